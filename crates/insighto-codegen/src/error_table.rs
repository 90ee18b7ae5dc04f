//! The client's status-to-error table, generated from `x-insighto-error`.

use openapiv3::{OpenAPI, ReferenceOr, StatusCode};

use crate::{CodegenError, ERROR_EXTENSION};

/// `error_class(operation, status)`: the hand-written error each error status of each
/// operation becomes, as its response's [`ERROR_EXTENSION`] names it
/// (`crate::error::ErrorClass::NAME`). Per operation, because a status one operation
/// does not document (a 404 to the GET) is an answer from something else than the API,
/// not the error another operation means by it. Exact statuses come before classes
/// (`5XX`).
pub(crate) fn error_class_fn(spec: &OpenAPI) -> Result<syn::Item, CodegenError> {
    use std::collections::BTreeMap;
    let named = |response: &ReferenceOr<openapiv3::Response>| -> Option<String> {
        let response = match response {
            ReferenceOr::Item(r) => r,
            ReferenceOr::Reference { reference } => {
                let name = reference.strip_prefix("#/components/responses/")?;
                match spec.components.as_ref()?.responses.get(name)? {
                    ReferenceOr::Item(r) => r,
                    ReferenceOr::Reference { .. } => return None,
                }
            }
        };
        Some(
            response
                .extensions
                .get(ERROR_EXTENSION)?
                .as_str()?
                .to_owned(),
        )
    };
    // Keyed so that, per operation, exact statuses sort before classes: (0, code) or
    // (1, class).
    let mut classes: BTreeMap<(String, u8, u16), String> = BTreeMap::new();
    let operations = spec.paths.paths.values().filter_map(|p| p.as_item());
    for (path, op) in operations.flat_map(|item| item.iter()) {
        let Some(id) = op.operation_id.clone() else {
            return Err(CodegenError::Generate(format!(
                "the {path} operation has no operationId"
            )));
        };
        for (status, response) in &op.responses.responses {
            let Some(class) = named(response) else {
                continue;
            };
            if !class.chars().all(|c| c.is_ascii_alphanumeric()) || class.is_empty() {
                return Err(CodegenError::Generate(format!(
                    "{ERROR_EXTENSION} {class:?} is not the name of an error class"
                )));
            }
            let key = match status {
                StatusCode::Code(code) => (id.clone(), 0, *code),
                StatusCode::Range(class) => (id.clone(), 1, *class),
            };
            classes.insert(key, class);
        }
    }
    let arms: String = classes
        .iter()
        .map(|((id, range, n), class)| {
            let pattern = match range {
                0 => n.to_string(),
                _ => format!("{}..={}", n * 100, n * 100 + 99),
            };
            format!("({id:?}, {pattern}) => Some(crate::error::ErrorClass::{class}),\n")
        })
        .collect();
    let source = format!(
        "/// The hand-written error each error status of each operation of `openapi.yaml` \
         becomes, from its response's `{ERROR_EXTENSION}`; `None` for a status the \
         operation does not document.\n\
         pub(crate) fn error_class(operation: &str, status: u16) -> Option<crate::error::ErrorClass> {{\n\
         #[allow(unreachable_patterns)]\n\
         match (operation, status) {{\n{arms}_ => None,\n}}\n}}"
    );
    syn::parse_str(&source).map_err(|e| CodegenError::Format(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_spec;

    /// The error table follows `x-insighto-error` per operation: exact statuses, then
    /// classes; a status an operation does not document has no arm for it.
    #[test]
    fn error_statuses_come_from_the_spec_per_operation() {
        let spec = insighto_spec::OPENAPI_YAML;
        let table = |spec: &str| {
            let item = error_class_fn(&parse_spec(spec).unwrap())?;
            Ok::<_, CodegenError>(prettyplease::unparse(&syn::parse_quote!(#item)))
        };
        let code = table(spec).unwrap();
        for arm in [
            r#"("update_user_profile", 413) => Some(crate::error::ErrorClass::BadRequest)"#,
            r#"("update_user_profile", 404) => Some(crate::error::ErrorClass::NotFound)"#,
            r#"("get_user_profile", 500..=599) => Some(crate::error::ErrorClass::Server)"#,
        ] {
            assert!(code.contains(arm), "{arm} missing: {code}");
        }
        assert!(!code.contains(r#"("get_user_profile", 404)"#), "{code}");
        assert!(
            !code.contains("408"),
            "RequestTimeout names no error: {code}"
        );
        // The GET's 400 given another error than the PUT's: each keeps its own.
        let other = spec.replacen(
            "        '400':\n          $ref: '#/components/responses/BadRequest'",
            "        '400':\n          x-insighto-error: Server\n          description: odd",
            1,
        );
        assert_ne!(other, spec);
        let code = table(&other).unwrap();
        assert!(
            code.contains(r#"("get_user_profile", 400) => Some(crate::error::ErrorClass::Server)"#)
                && code.contains(
                    r#"("update_user_profile", 400) => Some(crate::error::ErrorClass::BadRequest)"#
                ),
            "{code}"
        );
    }
}
