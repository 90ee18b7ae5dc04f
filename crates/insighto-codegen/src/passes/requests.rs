//! Passes over the generated operation builders: the same request, less work per call.

use quote::ToTokens;

use super::{impls, operation_builders, path_names, result_ok_path};

/// Formats UUID path parameters straight into the URL.
///
/// progenitor writes each path parameter as `encode_path(&value.to_string())`: a string
/// made only to be percent-encoded into another one. A UUID's text (hex digits and
/// hyphens) has nothing to encode, so in the `send` of each operation builder, for its
/// fields of type `Result<::uuid::Uuid, String>`, that becomes `value`, formatted by the
/// URL's `format!` directly: the same URL, without two strings per request.
pub(crate) fn format_uuid_path_params(file: &mut syn::File) {
    let Some(items) = operation_builders(file) else {
        return;
    };
    let mut uuid_fields: Vec<(String, String)> = Vec::new();
    for item in items.iter() {
        if let syn::Item::Struct(s) = item {
            for field in &s.fields {
                if let Some(name) = &field.ident
                    && is_uuid_result(&field.ty)
                {
                    uuid_fields.push((s.ident.to_string(), name.to_string()));
                }
            }
        }
    }
    for (builder, imp) in impls(items) {
        let fields: Vec<&str> = uuid_fields
            .iter()
            .filter(|(b, _)| *b == builder)
            .map(|(_, f)| f.as_str())
            .collect();
        for impl_item in &mut imp.items {
            let syn::ImplItem::Fn(f) = impl_item else {
                continue;
            };
            if f.sig.ident != "send" {
                continue;
            }
            headers_appended_directly(&mut f.block.stmts);
            for stmt in &mut f.block.stmts {
                if let syn::Stmt::Local(local) = stmt
                    && let Some(init) = &mut local.init
                    && let syn::Expr::Macro(m) = &mut *init.expr
                    && m.mac.path.is_ident("format")
                {
                    m.mac.tokens = uuids_unencoded(std::mem::take(&mut m.mac.tokens), &fields);
                }
            }
        }
    }
}

/// Adds the generated headers to the request one by one.
///
/// progenitor collects an operation's headers (here `api-version`) in a `HeaderMap` of
/// their own, then merges it into the request with `.headers(header_map)`: a map built,
/// hashed into another and dropped on every request. When that map only ever receives
/// unconditional `header_map.append(name, value)` of `HeaderName::from_static` names that
/// the request does not already carry, `.header(name, value)` for each gives the same
/// request, headers in the same order, and the map goes.
fn headers_appended_directly(stmts: &mut Vec<syn::Stmt>) {
    let is_map = |e: &syn::Expr| matches!(e, syn::Expr::Path(p) if p.path.is_ident("header_map"));
    let mut declared = None;
    let mut appends = Vec::new();
    let mut uses = 0;
    for (i, stmt) in stmts.iter().enumerate() {
        match stmt {
            syn::Stmt::Local(local) if matches!(&local.pat, syn::Pat::Ident(p) if p.ident == "header_map") =>
            {
                declared = Some(i);
            }
            syn::Stmt::Expr(syn::Expr::MethodCall(call), Some(_))
                if is_map(&call.receiver) && call.method == "append" && call.args.len() == 2 =>
            {
                appends.push((i, call.args[0].clone(), call.args[1].clone()));
            }
            _ => {}
        }
        uses += mentions(stmt.to_token_stream(), "header_map");
    }
    let Some(declared) = declared else {
        return;
    };
    // The declaration, the appends and the one `.headers(header_map)`, nothing else.
    if uses != 1 + appends.len() + 1 {
        return;
    }
    let names_ok = appends
        .iter()
        .all(|(_, name, _)| match static_header_name(name) {
            Some(name) => !matches!(name.as_str(), "accept" | "content-type"),
            None => false,
        });
    if !names_ok {
        return;
    }
    let headers: Vec<(syn::Expr, syn::Expr)> = appends
        .iter()
        .map(|(_, n, v)| (n.clone(), v.clone()))
        .collect();
    let mut replaced = false;
    for stmt in stmts.iter_mut() {
        if let syn::Stmt::Local(local) = stmt
            && let Some(init) = &mut local.init
        {
            replaced |= replace_headers_call(&mut init.expr, &headers);
        }
    }
    if replaced {
        let dropped: Vec<usize> = std::iter::once(declared)
            .chain(appends.iter().map(|(i, _, _)| *i))
            .collect();
        let mut i = 0;
        stmts.retain(|_| {
            i += 1;
            !dropped.contains(&(i - 1))
        });
    }
}

/// How many times the identifier `name` occurs in `tokens`.
fn mentions(tokens: proc_macro2::TokenStream, name: &str) -> usize {
    tokens
        .into_iter()
        .map(|token| match token {
            proc_macro2::TokenTree::Ident(ident) => usize::from(ident == name),
            proc_macro2::TokenTree::Group(group) => mentions(group.stream(), name),
            _ => 0,
        })
        .sum()
}

/// The name in `HeaderName::from_static("name")`.
fn static_header_name(expr: &syn::Expr) -> Option<String> {
    let syn::Expr::Call(call) = expr else {
        return None;
    };
    let syn::Expr::Path(f) = &*call.func else {
        return None;
    };
    if !path_names(&f.path).ends_with(&["HeaderName".to_owned(), "from_static".to_owned()]) {
        return None;
    }
    match call.args.first() {
        Some(syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(name),
            ..
        })) => Some(name.value()),
        _ => None,
    }
}

/// Replaces `.headers(header_map)` in the method chain `expr` (under a `?`, if any) with
/// one `.header(name, value)` a header; whether it was there.
fn replace_headers_call(expr: &mut syn::Expr, headers: &[(syn::Expr, syn::Expr)]) -> bool {
    match expr {
        syn::Expr::Try(t) => replace_headers_call(&mut t.expr, headers),
        syn::Expr::MethodCall(call) => {
            let is_it = call.method == "headers"
                && call.args.len() == 1
                && matches!(&call.args[0], syn::Expr::Path(p) if p.path.is_ident("header_map"));
            if !is_it {
                return replace_headers_call(&mut call.receiver, headers);
            }
            let mut chain = (*call.receiver).clone();
            for (name, value) in headers {
                chain = syn::parse_quote!(#chain.header(#name, #value));
            }
            *expr = chain;
            true
        }
        _ => false,
    }
}

/// Keeps an operation's body in its builder as the finished value, owned or borrowed.
///
/// progenitor stores an operation's body as the body type's own builder
/// (`types::builder::X`): `body(value)` turns the finished value into that builder, field
/// by field, and `send` turns it back, on every request. Where `X` derives `Default` (the
/// builder's starting value is then `X::default()` either way) and `Clone`, the operation builder
/// holds `Result<Cow<'a, types::X>, String>` instead: `body` stores the value, `send`
/// serializes it as it is, and `body_map` (which edits through the type's builder)
/// converts there and back itself, with the same error text `send` would give. A new
/// `body_ref(&value)` lends the body instead, so that a call retried with the same body
/// does not copy it for each attempt. A builder whose body type lacks either derive is
/// left as it is; one whose methods progenitor writes differently from what this pass
/// expects fails to compile, rather than going out changed halfway.
pub(crate) fn bodies_kept_finished(file: &mut syn::File) {
    let defaults = types_with_default_and_clone(file);
    let Some(items) = operation_builders(file) else {
        return;
    };
    let mut bodies: Vec<(String, syn::Ident)> = Vec::new();
    for item in items.iter_mut() {
        let syn::Item::Struct(s) = item else {
            continue;
        };
        for field in &mut s.fields {
            if field.ident.as_ref().is_some_and(|f| f == "body")
                && let Some(body) = builder_body_type(&field.ty)
                && defaults.contains(&body.to_string())
            {
                field.ty = syn::parse_quote!(Result<::std::borrow::Cow<'a, types::#body>, String>);
                bodies.push((s.ident.to_string(), body));
            }
        }
    }
    for (name, imp) in impls(items) {
        let Some((_, body)) = bodies.iter().find(|(b, _)| *b == name) else {
            continue;
        };
        for impl_item in &mut imp.items {
            let syn::ImplItem::Fn(f) = impl_item else {
                continue;
            };
            match f.sig.ident.to_string().as_str() {
                "body" => {
                    for stmt in &mut f.block.stmts {
                        if let syn::Stmt::Expr(syn::Expr::Assign(assign), _) = stmt {
                            without_map_from(&mut assign.right);
                            let value = &assign.right;
                            *assign.right =
                                syn::parse_quote!((#value).map(::std::borrow::Cow::Owned));
                        }
                    }
                }
                "body_map" => {
                    f.block = syn::parse_quote!({
                        self.body = self.body.and_then(|body| {
                            types::#body::try_from(f(body.into_owned().into()))
                                .map(::std::borrow::Cow::Owned)
                                .map_err(|e| e.to_string())
                        });
                        self
                    })
                }
                "send" => {
                    for stmt in &mut f.block.stmts {
                        if let syn::Stmt::Local(local) = stmt
                            && matches!(&local.pat, syn::Pat::Ident(p) if p.ident == "body")
                            && let Some(init) = &mut local.init
                        {
                            *init.expr = syn::parse_quote!(body.map_err(Error::InvalidRequest)?);
                        }
                    }
                }
                _ => {}
            }
        }
        let has_body_setter = imp
            .items
            .iter()
            .any(|item| matches!(item, syn::ImplItem::Fn(f) if f.sig.ident == "body"));
        if imp.trait_.is_some() || !has_body_setter {
            continue;
        }
        imp.items.push(syn::parse_quote! {
            /// The body, lent rather than given: `send` serializes it as it is.
            pub fn body_ref(mut self, value: &'a types::#body) -> Self {
                self.body = Ok(::std::borrow::Cow::Borrowed(value));
                self
            }
        });
    }
}

/// Removes `.map(From::from)` from the method chain `expr`.
fn without_map_from(expr: &mut syn::Expr) {
    let syn::Expr::MethodCall(call) = expr else {
        return;
    };
    let is_it = call.method == "map"
        && call.args.len() == 1
        && matches!(&call.args[0], syn::Expr::Path(p) if path_names(&p.path) == ["From", "from"]);
    if is_it {
        *expr = (*call.receiver).clone();
    } else {
        without_map_from(&mut call.receiver);
    }
}

/// `X` in `Result<types::builder::X, _>`.
fn builder_body_type(ty: &syn::Type) -> Option<syn::Ident> {
    let ok = result_ok_path(ty)?;
    match path_names(ok).as_slice() {
        [types, builder, _] if types == "types" && builder == "builder" => {
            ok.segments.last().map(|s| s.ident.clone())
        }
        _ => None,
    }
}

/// The structs of `types` that derive `Default` and `Clone` (a `Cow` of them needs
/// `Clone`).
fn types_with_default_and_clone(file: &syn::File) -> Vec<String> {
    let types = file.items.iter().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "types" => m.content.as_ref(),
        _ => None,
    });
    let derives = |attrs: &[syn::Attribute], name: &str| {
        attrs
            .iter()
            .any(|a| a.path().is_ident("derive") && mentions(a.to_token_stream(), name) > 0)
    };
    let derives_both =
        |attrs: &[syn::Attribute]| derives(attrs, "Default") && derives(attrs, "Clone");
    types
        .into_iter()
        .flat_map(|(_, items)| items)
        .filter_map(|item| match item {
            syn::Item::Struct(s) if derives_both(&s.attrs) => Some(s.ident.to_string()),
            _ => None,
        })
        .collect()
}

/// Whether `ty` is `Result<::uuid::Uuid, _>`, a builder's field for a UUID parameter.
fn is_uuid_result(ty: &syn::Type) -> bool {
    result_ok_path(ty).is_some_and(|ok| path_names(ok) == ["uuid", "Uuid"])
}

/// `tokens` with each `encode_path(&field.to_string())` of one of `fields` replaced by
/// `field`.
fn uuids_unencoded(tokens: proc_macro2::TokenStream, fields: &[&str]) -> proc_macro2::TokenStream {
    use proc_macro2::{Delimiter, TokenTree};
    let mut out = Vec::new();
    let mut tokens = tokens.into_iter().peekable();
    while let Some(token) = tokens.next() {
        if let TokenTree::Ident(ident) = &token
            && ident == "encode_path"
            && let Some(TokenTree::Group(args)) = tokens.peek()
            && args.delimiter() == Delimiter::Parenthesis
        {
            let args = args.stream().to_string().replace(' ', "");
            if let Some(field) = fields.iter().find(|f| args == format!("&{f}.to_string()")) {
                out.push(TokenTree::Ident(proc_macro2::Ident::new(
                    field,
                    ident.span(),
                )));
                tokens.next();
                continue;
            }
        }
        out.push(token);
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate;

    /// A UUID path parameter is formatted straight into the URL, and the operation's own
    /// header goes onto the request without a `HeaderMap` of its own.
    #[test]
    fn send_builds_url_and_headers_without_intermediates() {
        let code = generate(insighto_spec::OPENAPI_YAML).unwrap();
        assert!(
            code.contains(r#"format!("{}/api/v1/user/{}", client.baseurl, user_id,)"#),
            "{code}"
        );
        assert!(!code.contains("encode_path(& user_id"), "{code}");
        assert!(!code.contains("header_map"), "{code}");
        assert_eq!(
            code.matches(r#"HeaderName::from_static("api-version")"#)
                .count(),
            2
        );
    }

    /// The update's body is kept finished in its operation builder: no conversion to the
    /// type's builder and back on each request.
    #[test]
    fn operation_builders_keep_the_finished_body() {
        let code = generate(insighto_spec::OPENAPI_YAML).unwrap();
        let compact = code.replace([' ', '\n'], "");
        assert!(
            compact
                .contains("body:Result<::std::borrow::Cow<'a,types::UserProfileUpdate>,String>,"),
            "{code}"
        );
        assert!(
            compact.contains("pubfnbody_ref(mutself,value:&'atypes::UserProfileUpdate)->Self"),
            "{code}"
        );
        assert!(
            !compact.contains("body:Result<types::builder::UserProfileUpdate"),
            "{code}"
        );
        assert!(
            compact.contains("letbody=body.map_err(Error::InvalidRequest)?;"),
            "{code}"
        );
        assert!(!compact.contains(".map(From::from)"), "{code}");
    }

    /// Only the named UUID fields lose their encoding; any other path parameter keeps it.
    #[test]
    fn only_uuid_fields_are_formatted_directly() {
        let tokens: proc_macro2::TokenStream =
            r#""{}/a/{}/{}", base, encode_path(&id.to_string()), encode_path(&name.to_string())"#
                .parse()
                .unwrap();
        let out = uuids_unencoded(tokens, &["id"]).to_string();
        assert!(out.contains("base , id ,"), "{out}");
        assert!(out.contains("encode_path (& name . to_string ())"), "{out}");
    }

    /// A header map used any other way (a conditional header, say) is left alone.
    #[test]
    fn a_conditional_header_keeps_its_map() {
        let mut block: syn::Block = syn::parse_quote!({
            let mut header_map = HeaderMap::with_capacity(2usize);
            header_map.append(HeaderName::from_static("api-version"), v);
            if let Some(x) = x {
                header_map.append(HeaderName::from_static("x-y"), x);
            }
            let request = client.get(url).headers(header_map).build()?;
        });
        let before = block.to_token_stream().to_string();
        headers_appended_directly(&mut block.stmts);
        assert_eq!(block.to_token_stream().to_string(), before);

        let mut block: syn::Block = syn::parse_quote!({
            let mut header_map = HeaderMap::with_capacity(1usize);
            header_map.append(HeaderName::from_static("api-version"), v);
            let request = client
                .get(url)
                .header(ACCEPT, a)
                .headers(header_map)
                .build()?;
        });
        headers_appended_directly(&mut block.stmts);
        let after = block.to_token_stream().to_string().replace(' ', "");
        assert!(
            after.contains(
                r#".header(ACCEPT,a).header(HeaderName::from_static("api-version"),v).build()?"#
            ),
            "{after}"
        );
        assert!(!after.contains("header_map"), "{after}");
    }
}
