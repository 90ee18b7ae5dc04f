//! Passes over the generated `types` module: what users name and build.

use super::module_items;

/// Adds `#[non_exhaustive]` to every struct of the generated `types` module (not to its
/// `builder` module), as aws-sdk-rust does for its generated shapes.
///
/// Without it every new property of an object schema is a breaking change for Rust users:
/// code that builds the struct with a literal stops compiling (cargo-semver-checks'
/// `constructible_struct_adds_field`). With it, code outside the crate builds values
/// through the generated builders (`types::UserProfileUpdate::builder()`), or from
/// `Default` and field assignment, and adding an optional property is a minor change.
/// Enums are left alone: a new `oneOf` branch or enum value is breaking on the wire too.
pub(crate) fn mark_types_non_exhaustive(file: &mut syn::File) {
    for item in module_items(file, "types").into_iter().flatten() {
        if let syn::Item::Struct(s) = item
            && !s.attrs.iter().any(|a| a.path().is_ident("non_exhaustive"))
        {
            s.attrs.push(syn::parse_quote!(#[non_exhaustive]));
        }
    }
}

/// Puts the `schemars::JsonSchema` derive (progenitor's `with_derive`) of every generated
/// type behind the client's `schemars` feature: most applications never ask for a JSON
/// Schema, and deriving it costs every build schemars and its derive macro.
pub(crate) fn schemars_behind_feature(file: &mut syn::File) {
    for item in module_items(file, "types").into_iter().flatten() {
        let attrs = match item {
            syn::Item::Struct(s) => &mut s.attrs,
            syn::Item::Enum(e) => &mut e.attrs,
            _ => continue,
        };
        let mut derived = false;
        for attr in attrs.iter_mut().filter(|a| a.path().is_ident("derive")) {
            let Ok(paths) = attr.parse_args_with(
                syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
            ) else {
                continue;
            };
            let is_schema =
                |p: &syn::Path| p.segments.last().is_some_and(|s| s.ident == "JsonSchema");
            if !paths.iter().any(is_schema) {
                continue;
            }
            derived = true;
            let kept = paths.into_iter().filter(|p| !is_schema(p));
            *attr = syn::parse_quote!(#[derive(#(#kept),*)]);
        }
        if derived {
            attrs.push(syn::parse_quote!(
                #[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
            ));
        }
    }
}

/// Makes every `Option<crate::Patch<T>>` field decode all three states: left out is
/// `None`, `null` is `Some(Patch::Clear)`, a value is `Some(Patch::Set(v))`.
///
/// serde decodes `null` into an `Option` as `None` before `Patch` sees it, so without
/// this a decoded update would silently lose every clear (the CLI builds its update
/// from JSON, and users may read bodies they stored).
pub(crate) fn keep_cleared_patches(file: &mut syn::File) {
    for item in module_items(file, "types").into_iter().flatten() {
        let syn::Item::Struct(s) = item else { continue };
        for field in s.fields.iter_mut() {
            if is_optional_patch(&field.ty) {
                field.attrs.push(syn::parse_quote!(
                    #[serde(default, deserialize_with = "crate::Patch::deserialize_present")]
                ));
            }
        }
    }
}

/// Whether `ty` is `Option<crate::Patch<_>>`.
fn is_optional_patch(ty: &syn::Type) -> bool {
    let last_arg = |ty: &syn::Type, name: &str| match ty {
        syn::Type::Path(p) => match p.path.segments.last() {
            Some(seg) if seg.ident == name => match &seg.arguments {
                syn::PathArguments::AngleBracketed(args) => match args.args.first() {
                    Some(syn::GenericArgument::Type(inner)) => Some(inner.clone()),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        },
        _ => None,
    };
    let Some(inner) = last_arg(ty, "Option") else {
        return false;
    };
    matches!(&inner, syn::Type::Path(p)
        if p.path.segments.iter().map(|s| s.ident.to_string()).collect::<Vec<_>>() == ["crate", "Patch"])
}

/// Makes the setters of optional fields in the type builders (`types::builder`) take the
/// value itself: `.first_name("Ada")`, `.follower_count(3)`, and for an update's
/// three-state field `.phone(Patch::Clear)` (a value converts into `Patch::Set`).
///
/// progenitor's setter takes `T: TryInto<Option<X>>`, which no `&str` (nor a bare value
/// for a `Patch`) satisfies: `.first_name("Ada")` failed with a long E0277 listing
/// unrelated impls. An optional field is left out by not calling its setter. A setter of
/// another shape is left as it is.
pub(crate) fn setters_take_values(file: &mut syn::File) {
    let builders = module_items(file, "types").and_then(|items| {
        items.iter_mut().find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "builder" => m.content.as_mut().map(|(_, i)| i),
            _ => None,
        })
    });
    for item in builders.into_iter().flatten() {
        let syn::Item::Impl(imp) = item else { continue };
        for impl_item in &mut imp.items {
            let syn::ImplItem::Fn(f) = impl_item else {
                continue;
            };
            if let Some((field, value_type)) = optional_setter(f) {
                let (attrs, vis, name) = (&f.attrs, &f.vis, &f.sig.ident);
                *f = syn::parse_quote! {
                    #(#attrs)*
                    #vis fn #name(mut self, value: impl ::std::convert::Into<#value_type>) -> Self {
                        self.#field = Ok(Some(value.into()));
                        self
                    }
                };
            }
        }
    }
}

/// For a generated setter `fn f<T>(mut self, value: T) -> Self where T: TryInto<Option<X>>,
/// ... { self.field = value.try_into()...; self }`: the field and `X`.
fn optional_setter(f: &syn::ImplItemFn) -> Option<(syn::Ident, syn::Type)> {
    let generics = &f.sig.generics;
    if generics.params.len() != 1 || f.sig.inputs.len() != 2 {
        return None;
    }
    let value_type = generics
        .where_clause
        .as_ref()?
        .predicates
        .iter()
        .find_map(|p| {
            let syn::WherePredicate::Type(t) = p else {
                return None;
            };
            t.bounds.iter().find_map(|b| {
                let syn::TypeParamBound::Trait(tb) = b else {
                    return None;
                };
                let last = tb.path.segments.last()?;
                if last.ident != "TryInto" {
                    return None;
                }
                let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
                    return None;
                };
                let Some(syn::GenericArgument::Type(target)) = args.args.first() else {
                    return None;
                };
                option_inner(target)
            })
        })?;
    let [syn::Stmt::Expr(syn::Expr::Assign(assign), _), _] = f.block.stmts.as_slice() else {
        return None;
    };
    let syn::Expr::Field(field) = &*assign.left else {
        return None;
    };
    let syn::Member::Named(name) = &field.member else {
        return None;
    };
    Some((name.clone(), value_type))
}

/// `X` of `Option<X>` (any path to `Option`).
fn option_inner(ty: &syn::Type) -> Option<syn::Type> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(inner) => Some(inner.clone()),
        _ => None,
    }
}

/// Names each type builder `XBuilder` (`types::builder::UserProfileUpdateBuilder`), so
/// that one public name means one type: progenitor names the builder of `types::X`
/// `types::builder::X` too, and rustdoc then shows `X::builder() -> X`.
///
/// Every path to a builder is renamed: `builder::X` in `types`, `types::builder::X`
/// anywhere, and inside `types::builder` its own `X` (the real type there is `super::X`).
pub(crate) fn builders_named_builder(file: &mut syn::File) {
    use syn::visit_mut::VisitMut;

    let Some(types) = module_items(file, "types") else {
        return;
    };
    let builder_module = types.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "builder" => Some(m),
        _ => None,
    });
    let Some(builder_module) = builder_module else {
        return;
    };
    let names: Vec<String> = builder_module
        .content
        .iter()
        .flat_map(|(_, items)| items)
        .filter_map(|item| match item {
            syn::Item::Struct(s) => Some(s.ident.to_string()),
            _ => None,
        })
        .collect();

    /// Renames paths to builders: `prefix` is what stands before the name (`["builder"]`,
    /// `["types", "builder"]`, or nothing inside the builder module).
    struct Rename<'a> {
        names: &'a [String],
        prefixes: &'a [&'a [&'a str]],
    }
    impl VisitMut for Rename<'_> {
        fn visit_path_mut(&mut self, path: &mut syn::Path) {
            syn::visit_mut::visit_path_mut(self, path);
            let n = path.segments.len();
            let Some(last) = path.segments.last() else {
                return;
            };
            if !self.names.iter().any(|name| last.ident == name) {
                return;
            }
            let leading: Vec<String> = path
                .segments
                .iter()
                .take(n - 1)
                .map(|s| s.ident.to_string())
                .collect();
            if path.leading_colon.is_none()
                && self.prefixes.iter().any(|p| {
                    p.len() == leading.len() && p.iter().zip(&leading).all(|(a, b)| a == b)
                })
            {
                let last = path.segments.last_mut().expect("checked");
                last.ident = quote::format_ident!("{}Builder", last.ident);
            }
        }
        fn visit_item_struct_mut(&mut self, s: &mut syn::ItemStruct) {
            syn::visit_mut::visit_item_struct_mut(self, s);
            if self.prefixes.contains(&&[][..]) && self.names.iter().any(|n| s.ident == n) {
                s.ident = quote::format_ident!("{}Builder", s.ident);
            }
        }
    }
    Rename {
        names: &names,
        prefixes: &[&[]],
    }
    .visit_item_mod_mut(builder_module);
    let Some(types) = module_items(file, "types") else {
        return;
    };
    let mut outer = Rename {
        names: &names,
        prefixes: &[&["builder"]],
    };
    for item in types.iter_mut() {
        if !matches!(item, syn::Item::Mod(m) if m.ident == "builder") {
            outer.visit_item_mut(item);
        }
    }
    let mut anywhere = Rename {
        names: &names,
        prefixes: &[&["types", "builder"]],
    };
    for item in file.items.iter_mut() {
        if !matches!(item, syn::Item::Mod(m) if m.ident == "types") {
            anywhere.visit_item_mut(item);
        }
    }
}
