//! The client's status-to-error table, generated from `x-insighto-error`.

use openapiv3::{OpenAPI, ReferenceOr, StatusCode};

use crate::{CodegenError, ERROR_EXTENSION};

/// `error_class(status)`: the hand-written error each error status of the spec becomes,
/// as its response's [`ERROR_EXTENSION`] names it (`crate::error::ErrorClass::NAME`).
/// Exact statuses come before classes (`5XX`); a status the spec gives two different
/// errors is refused.
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
    // Keyed so that exact statuses sort before classes: (0, code) or (1, class).
    let mut classes: BTreeMap<(u8, u16), String> = BTreeMap::new();
    let operations = spec.paths.paths.values().filter_map(|p| p.as_item());
    for op in operations.flat_map(|item| item.iter().map(|(_, op)| op)) {
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
                StatusCode::Code(code) => (0, *code),
                StatusCode::Range(class) => (1, *class),
            };
            if let Some(other) = classes.insert(key, class.clone())
                && other != class
            {
                return Err(CodegenError::Generate(format!(
                    "status {status} is {other} in one operation and {class} in another"
                )));
            }
        }
    }
    let arms: String = classes
        .iter()
        .map(|(&(range, n), class)| {
            let pattern = match range {
                0 => n.to_string(),
                _ => format!("{}..={}", n * 100, n * 100 + 99),
            };
            format!("{pattern} => Some(crate::error::ErrorClass::{class}),\n")
        })
        .collect();
    let source = format!(
        "/// The hand-written error each error status of `openapi.yaml` becomes, from its \
         response's `{ERROR_EXTENSION}`.\n\
         pub(crate) fn error_class(status: u16) -> Option<crate::error::ErrorClass> {{\n\
         #[allow(unreachable_patterns)]\n\
         match status {{\n{arms}_ => None,\n}}\n}}"
    );
    syn::parse_str(&source).map_err(|e| CodegenError::Format(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_spec;

    /// The error table follows `x-insighto-error`: exact statuses, then classes; two
    /// different errors for one status are refused.
    #[test]
    fn error_statuses_come_from_the_spec() {
        let spec = insighto_spec::OPENAPI_YAML;
        let table = |spec: &str| {
            let item = error_class_fn(&parse_spec(spec).unwrap())?;
            Ok::<_, CodegenError>(prettyplease::unparse(&syn::parse_quote!(#item)))
        };
        let code = table(spec).unwrap();
        assert!(
            code.contains("413 => Some(crate::error::ErrorClass::BadRequest)"),
            "{code}"
        );
        assert!(
            code.contains("500..=599 => Some(crate::error::ErrorClass::Server)"),
            "{code}"
        );
        assert!(
            !code.contains("408"),
            "RequestTimeout names no error: {code}"
        );
        // The GET's 400 given another error than the PUT's.
        let conflicting = spec.replacen(
            "        '400':\n          $ref: '#/components/responses/BadRequest'",
            "        '400':\n          x-insighto-error: Server\n          description: odd",
            1,
        );
        assert_ne!(conflicting, spec);
        let err = table(&conflicting).unwrap_err().to_string();
        assert!(
            err.contains("status 400 is Server in one operation and BadRequest"),
            "{err}"
        );
    }
}
