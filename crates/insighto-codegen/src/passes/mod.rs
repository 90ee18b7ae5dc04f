//! Passes over progenitor's output (a `syn::File`), run by [`crate::generate`] in order.
//! Each leaves code it does not recognise as it is (`bodies_kept_finished`, which rewrites
//! several methods of one builder together, fails to compile instead), so a progenitor
//! upgrade that changes the shape of its output loses an optimisation or stops the
//! build, never changes behaviour unseen.

mod requests;
mod types;

pub(crate) use requests::{bodies_kept_finished, format_uuid_path_params};
pub(crate) use types::{
    builders_named_builder, keep_cleared_patches, mark_types_non_exhaustive,
    schemars_behind_feature, setters_take_values,
};

/// The items of the generated top-level module `name` (`types`, `builder`).
pub(super) fn module_items<'a>(
    file: &'a mut syn::File,
    name: &str,
) -> Option<&'a mut Vec<syn::Item>> {
    file.items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == name => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    })
}

/// The items of the generated `builder` module: the operation builders.
pub(super) fn operation_builders(file: &mut syn::File) -> Option<&mut Vec<syn::Item>> {
    module_items(file, "builder")
}

/// The `impl` blocks among `items`, each with the name of the type it is for.
pub(super) fn impls(items: &mut [syn::Item]) -> impl Iterator<Item = (String, &mut syn::ItemImpl)> {
    items.iter_mut().filter_map(|item| {
        let syn::Item::Impl(imp) = item else {
            return None;
        };
        let syn::Type::Path(ty) = &*imp.self_ty else {
            return None;
        };
        let name = ty.path.segments.last()?.ident.to_string();
        Some((name, imp))
    })
}

/// The path of `T` in a `Result<T, _>`.
pub(super) fn result_ok_path(ty: &syn::Type) -> Option<&syn::Path> {
    let syn::Type::Path(ty) = ty else {
        return None;
    };
    let last = ty.path.segments.last()?;
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first() {
        Some(syn::GenericArgument::Type(syn::Type::Path(ok))) if last.ident == "Result" => {
            Some(&ok.path)
        }
        _ => None,
    }
}

/// The identifiers of `path`'s segments.
pub(super) fn path_names(path: &syn::Path) -> Vec<String> {
    path.segments.iter().map(|s| s.ident.to_string()).collect()
}
