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
