//! The classifier's corpus: realistic changes to `openapi.yaml`, each with its expected
//! verdict for HTTP clients and for Rust SDK users, the rule that must report it, and
//! one line saying why. Every rule of [`RULES`](crate::diff::RULES) has a case (a test
//! checks it); `cargo xtask semver-sample` runs some of them through cargo-semver-checks.

use serde_json::{Value, json};

use crate::{
    Spec,
    diff::{Rule, Severity, Severity::*},
};

pub const GET: &str = "/paths/~1api~1v1~1user/get";
const PUT: &str = "/paths/~1api~1v1~1user~1{user_id}/put";
const S: &str = "/components/schemas";

/// The repository's `openapi.yaml`.
pub fn base() -> Value {
    Spec::bundled().doc().clone()
}

pub fn at<'a>(doc: &'a mut Value, pointer: &str) -> &'a mut Value {
    doc.pointer_mut(pointer)
        .unwrap_or_else(|| panic!("no {pointer}"))
}

pub fn remove(doc: &mut Value, pointer: &str, key: &str) -> Value {
    at(doc, pointer)
        .as_object_mut()
        .unwrap()
        .remove(key)
        .unwrap_or_else(|| panic!("no {pointer}/{key}"))
}

fn set(doc: &mut Value, pointer: &str, key: &str, value: Value) {
    at(doc, pointer)[key] = value;
}

pub fn schema(name: &str) -> String {
    format!("{S}/{name}")
}

pub fn prop(schema_name: &str, prop: &str) -> String {
    format!("{S}/{schema_name}/properties/{prop}")
}

pub type Edit = fn(&mut Value);

/// `before` edits the base revision, `after` the new one; each starts from openapi.yaml.
pub struct Case {
    pub name: &'static str,
    pub before: Edit,
    pub after: Edit,
    /// The rule that must report it (`None`: no change at all).
    pub rule: Option<Rule>,
    pub http: Severity,
    pub rust: Severity,
    pub why: &'static str,
}

impl Case {
    /// The two revisions: the repository's spec with `before`, and with `after`, applied.
    pub fn specs(&self) -> (Spec, Spec) {
        let (mut old, mut new) = (base(), base());
        (self.before)(&mut old);
        (self.after)(&mut new);
        (Spec::from_doc(old), Spec::from_doc(new))
    }
}

fn case(
    name: &'static str,
    before: Edit,
    after: Edit,
    rule: impl Into<Option<Rule>>,
    (http, rust): (Severity, Severity),
    why: &'static str,
) -> Case {
    Case {
        name,
        before,
        after,
        rule: rule.into(),
        http,
        rust,
        why,
    }
}

fn none(_: &mut Value) {}

fn optional_param(d: &mut Value) {
    at(d, GET)["parameters"] = json!([{"name": "verbose", "in": "query", "required": false, "description": "More.", "schema": {"type": "string"}}]);
}

fn plan_enum(d: &mut Value) {
    set(
        d,
        &schema("UserProfileUpdate/properties"),
        "plan",
        json!({"type": "string", "enum": ["basic", "pro"], "description": "Plan."}),
    );
}

fn plan_string(d: &mut Value) {
    set(
        d,
        &schema("UserProfileUpdate/properties"),
        "plan",
        json!({"type": "string", "description": "Plan."}),
    );
}

fn status_enum(d: &mut Value) {
    set(
        d,
        &prop("UserProfile", "stripe_subscription_status"),
        "enum",
        json!(["active", "canceled"]),
    );
}

fn age(d: &mut Value) {
    set(
        d,
        &schema("UserProfileUpdate/properties"),
        "age",
        json!({"type": "integer", "minimum": 18, "maximum": 150, "description": "a"}),
    );
}

fn tag_branches(d: &mut Value) {
    set(
        d,
        &schema("UserProfileUpdate/properties"),
        "tag",
        json!({"description": "t", "oneOf": [{"type": "string"}, {"type": "integer"}]}),
    );
}

fn push(d: &mut Value, pointer: &str, value: Value) {
    at(d, pointer).as_array_mut().unwrap().push(value);
}

fn pop(d: &mut Value, pointer: &str) {
    at(d, pointer).as_array_mut().unwrap().pop();
}

fn unused_component(d: &mut Value) {
    set(
        d,
        S,
        "Avatar",
        json!({"type": "object", "description": "An avatar.", "properties": {"url": {"type": "string"}}}),
    );
}

/// Renames a component and moves every reference to it.
fn rename_profile(d: &mut Value) {
    let text = d.to_string().replace(
        "#/components/schemas/UserProfile\"",
        "#/components/schemas/Profile\"",
    );
    *d = serde_json::from_str(&text).unwrap();
    let profile = remove(d, S, "UserProfile");
    set(d, S, "Profile", profile);
}

fn deprecated_param(d: &mut Value) {
    at(d, GET)["parameters"] = json!([{"name": "verbose", "in": "query", "required": false, "deprecated": true, "x-sunset": "2020-01-01", "schema": {"type": "string"}}]);
}

fn default_param(d: &mut Value, default: &str) {
    optional_param(d);
    at(d, GET)["parameters"][0]["schema"]["default"] = json!(default);
}

fn plan_pattern(d: &mut Value, pattern: &str) {
    plan_string(d);
    set(
        d,
        &schema("UserProfileUpdate/properties/plan"),
        "pattern",
        json!(pattern),
    );
}

fn score(d: &mut Value, kind: &str) {
    set(
        d,
        &schema("UserProfile/properties"),
        "score",
        json!({"type": kind, "description": "s"}),
    );
}

fn labels(d: &mut Value, kind: &str) {
    set(
        d,
        &schema("UserProfile/properties"),
        "labels",
        json!({"type": "object", "additionalProperties": {"type": kind}}),
    );
}

/// A response map whose values are objects with `href`, required as `required` says.
fn links(d: &mut Value, required: Value) {
    set(
        d,
        &schema("UserProfile/properties"),
        "links",
        json!({"type": "object", "additionalProperties": {"type": "object", "required": required, "properties": {"href": {"type": "string"}}}}),
    );
}

/// Two components and a request property that is either of them.
fn pets(d: &mut Value) {
    for name in ["Cat", "Dog"] {
        set(
            d,
            S,
            name,
            json!({"type": "object", "required": ["kind"], "properties": {"kind": {"type": "string"}}}),
        );
    }
    set(
        d,
        &schema("UserProfileUpdate/properties"),
        "pet",
        json!({"oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}]}),
    );
}

/// The profile answered as XML too, with the same schema.
fn xml_profile(d: &mut Value) {
    let json = at(d, GET)["responses"]["200"]["content"]["application/json"].clone();
    at(d, GET)["responses"]["200"]["content"]["application/xml"] = json;
}

fn discriminated_pets(d: &mut Value) {
    pets(d);
    set(
        d,
        &schema("UserProfileUpdate/properties/pet"),
        "discriminator",
        json!({"propertyName": "kind"}),
    );
}

/// The first branch of `pet` names a copy of `Cat` called `Lynx`.
fn cat_becomes_lynx(d: &mut Value) {
    let cat = at(d, &schema("Cat")).clone();
    set(d, S, "Lynx", cat);
    *at(d, &schema("UserProfileUpdate/properties/pet/oneOf/0")) =
        json!({"$ref": "#/components/schemas/Lynx"});
}

fn nickname(d: &mut Value) {
    set(
        d,
        &schema("UserProfileUpdate/properties"),
        "nickname",
        json!({"type": "string"}),
    );
}

/// Every case.
pub fn corpus() -> Vec<Case> {
    use Rule as R;
    vec![
        // Operations
        case(
            "operation removed",
            none,
            |d| {
                remove(d, "/paths/~1api~1v1~1user", "get");
            },
            R::OperationRemoved,
            (Breaking, Breaking),
            "requests 404 and the Rust method is gone",
        ),
        case(
            "operation added",
            none,
            |d| {
                let op = at(d, GET).clone();
                set(d, "/paths/~1api~1v1~1user", "delete", op);
                set(
                    d,
                    "/paths/~1api~1v1~1user/delete",
                    "operationId",
                    json!("delete_user"),
                );
            },
            R::OperationAdded,
            (NonBreaking, NonBreaking),
            "a new endpoint nobody has to call",
        ),
        case(
            "operationId changed",
            none,
            |d| set(d, GET, "operationId", json!("get_me")),
            R::OperationIdChanged,
            (Breaking, Breaking),
            "generated method names follow the operationId",
        ),
        case(
            "method changed",
            none,
            |d| {
                let op = remove(d, "/paths/~1api~1v1~1user", "get");
                set(d, "/paths/~1api~1v1~1user", "post", op);
            },
            R::MethodChanged,
            (Breaking, NonBreaking),
            "GET requests now miss; the Rust method keeps its name",
        ),
        case(
            "path changed",
            none,
            |d| {
                let item = remove(d, "/paths", "/api/v1/user/{user_id}");
                set(d, "/paths", "/api/v1/users/{user_id}", item);
            },
            R::PathChanged,
            (Breaking, NonBreaking),
            "old URLs miss; the Rust method keeps its name",
        ),
        case(
            "path parameter renamed",
            none,
            |d| {
                let item = remove(d, "/paths", "/api/v1/user/{user_id}");
                set(d, "/paths", "/api/v1/user/{id}", item);
                set(
                    d,
                    "/paths/~1api~1v1~1user~1{id}/put/parameters/0",
                    "name",
                    json!("id"),
                );
            },
            R::PathParameterRenamed,
            (Docs, Docs),
            "the same URLs; only the private generated client names the parameter",
        ),
        // Parameters
        case(
            "new required parameter",
            none,
            |d| at(d, GET)["parameters"] = json!([{"name": "fields", "in": "query", "required": true, "description": "f", "schema": {"type": "string"}}]),
            R::ParameterAddedRequired,
            (Breaking, Breaking),
            "every old request lacks it",
        ),
        case(
            "new optional parameter",
            none,
            optional_param,
            R::ParameterAddedOptional,
            (NonBreaking, NonBreaking),
            "nobody has to send it",
        ),
        case(
            "parameter became required",
            optional_param,
            |d| {
                optional_param(d);
                set(d, &format!("{GET}/parameters/0"), "required", json!(true));
            },
            R::ParameterBecameRequired,
            (Breaking, Breaking),
            "requests without it are refused",
        ),
        case(
            "parameter removed",
            optional_param,
            none,
            R::ParameterRemoved,
            (Breaking, Breaking),
            "its builder method is gone",
        ),
        case(
            "path parameter uuid format dropped",
            none,
            |d| {
                remove(d, &format!("{PUT}/parameters/0/schema"), "format");
            },
            R::RequestFormatRelaxed,
            (NonBreaking, NonBreaking),
            "any string is accepted now; the parameter's Rust type is in the private generated client, the hand-written method keeps its signature",
        ),
        case(
            "query parameter gains a format",
            optional_param,
            |d| {
                optional_param(d);
                set(
                    d,
                    &format!("{GET}/parameters/0/schema"),
                    "format",
                    json!("uuid"),
                );
            },
            R::RequestFormatTightened,
            (Breaking, NonBreaking),
            "free strings are refused; the Uuid parameter is the private generated client's",
        ),
        // Request bodies
        case(
            "required request body added",
            none,
            |d| {
                set(
                    d,
                    GET,
                    "requestBody",
                    json!({"required": true, "content": {"application/json": {"schema": {"type": "object"}}}}),
                )
            },
            R::RequestBodyAddedRequired,
            (Breaking, Breaking),
            "old requests have no body",
        ),
        case(
            "optional request body added",
            none,
            |d| {
                set(
                    d,
                    GET,
                    "requestBody",
                    json!({"content": {"application/json": {"schema": {"type": "object"}}}}),
                )
            },
            R::RequestBodyAddedOptional,
            (NonBreaking, NonBreaking),
            "nobody has to send it",
        ),
        case(
            "request body removed",
            none,
            |d| {
                remove(d, PUT, "requestBody");
            },
            R::RequestBodyRemoved,
            (Breaking, Breaking),
            "the update takes no body any more",
        ),
        case(
            "request body became required",
            |d| set(d, &format!("{PUT}/requestBody"), "required", json!(false)),
            none,
            R::RequestBodyBecameRequired,
            (Breaking, Breaking),
            "requests without a body are refused",
        ),
        // Responses, statuses, media types
        case(
            "success status changed",
            none,
            |d| {
                let ok = remove(d, &format!("{GET}/responses"), "200");
                set(d, &format!("{GET}/responses"), "201", ok);
            },
            R::SuccessStatusRemoved,
            (Breaking, Breaking),
            "clients expecting 200 get 201",
        ),
        case(
            "error status removed",
            none,
            |d| {
                remove(d, &format!("{GET}/responses"), "429");
            },
            R::ErrorStatusRemoved,
            (Breaking, NonBreaking),
            "clients handling 429 get something else; Rust decodes errors by hand",
        ),
        case(
            "error status added",
            |d| {
                remove(d, &format!("{GET}/responses"), "403");
            },
            none,
            R::StatusAdded,
            (NonBreaking, NonBreaking),
            "documents what the service may already send",
        ),
        case(
            "response media type removed",
            none,
            |d| {
                remove(d, "/components/responses/ServerError/content", "text/plain");
            },
            R::MediaTypeRemoved,
            (Breaking, Breaking),
            "clients expecting text/plain break",
        ),
        case(
            "response media type added",
            none,
            |d| {
                let json_body =
                    at(d, &format!("{GET}/responses/200/content/application~1json")).clone();
                set(
                    d,
                    &format!("{GET}/responses/200/content"),
                    "application/x-ndjson",
                    json_body,
                );
            },
            R::MediaTypeAdded,
            (NonBreaking, NonBreaking),
            "one more representation",
        ),
        // Response properties
        case(
            "optional response property removed",
            none,
            |d| {
                remove(d, &schema("UserProfile/properties"), "phone");
            },
            R::ResponseOptionalPropertyRemoved,
            (NonBreaking, Breaking),
            "readers already cope with its absence; the Rust field is gone",
        ),
        case(
            "required response property removed",
            none,
            |d| {
                remove(d, &schema("UserProfileResponse/properties"), "meta");
            },
            R::ResponsePropertyRemoved,
            (Breaking, Breaking),
            "the envelope loses a field every client may read",
        ),
        case(
            "new optional response property",
            none,
            |d| {
                set(
                    d,
                    &schema("UserProfile/properties"),
                    "avatar_url",
                    json!({"type": "string", "nullable": true, "description": "a"}),
                )
            },
            R::ResponsePropertyAdded,
            (NonBreaking, NonBreaking),
            "clients ignore unknown fields; the struct is non_exhaustive",
        ),
        case(
            "new required response property",
            none,
            |d| {
                set(
                    d,
                    &schema("UserProfile/properties"),
                    "handle",
                    json!({"type": "string", "description": "h"}),
                );
                push(d, &schema("UserProfile/required"), json!("handle"));
            },
            R::ResponsePropertyAdded,
            (NonBreaking, NonBreaking),
            "an extra field is still additive; the struct is non_exhaustive",
        ),
        case(
            "response property became optional",
            none,
            |d| set(d, &schema("UserProfile"), "required", json!([])),
            R::ResponsePropertyBecameOptional,
            (Breaking, Breaking),
            "id may be absent; the Rust field becomes Option<Uuid>",
        ),
        case(
            "nullable response property became required",
            none,
            |d| push(d, &schema("UserProfile/required"), json!("phone")),
            R::ResponsePropertyBecameRequired,
            (NonBreaking, NonBreaking),
            "always present but still nullable: the Rust field stays Option<String>",
        ),
        case(
            "non-nullable response property became required",
            |d| {
                remove(d, &prop("UserProfile", "phone"), "nullable");
            },
            |d| {
                remove(d, &prop("UserProfile", "phone"), "nullable");
                push(d, &schema("UserProfile/required"), json!("phone"));
            },
            R::ResponsePropertyBecameRequired,
            (NonBreaking, Breaking),
            "the Rust field changes from Option<String> to String",
        ),
        case(
            "required response property became nullable",
            none,
            |d| set(d, &prop("UserProfile", "id"), "nullable", json!(true)),
            R::ResponseBecameNullable,
            (Breaking, Breaking),
            "clients get null; the Rust field becomes Option<Uuid>",
        ),
        case(
            "optional response property became nullable",
            |d| {
                remove(d, &prop("UserProfile", "phone"), "nullable");
            },
            none,
            R::ResponseBecameNullable,
            (Breaking, NonBreaking),
            "clients get null; the Rust field is already an Option",
        ),
        case(
            "envelope data made nullable beside its allOf",
            none,
            |d| {
                set(
                    d,
                    &schema("UserProfileResponse/properties"),
                    "data",
                    json!({"allOf": [{"$ref": "#/components/schemas/UserProfile"}], "nullable": true}),
                )
            },
            R::ResponseBecameNullable,
            (Breaking, Breaking),
            "data may be null; the Rust field becomes Option<UserProfile>",
        ),
        case(
            "response property became non-nullable",
            none,
            |d| {
                remove(d, &prop("UserProfile", "phone"), "nullable");
            },
            R::ResponseBecameNonNullable,
            (NonBreaking, NonBreaking),
            "fewer values than before; the field stays Option because it is optional",
        ),
        case(
            "response type changed",
            none,
            |d| {
                set(
                    d,
                    &prop("UserProfile", "follower_count"),
                    "type",
                    json!("string"),
                )
            },
            R::TypeChanged,
            (Breaking, Breaking),
            "numbers become strings",
        ),
        case(
            "response uuid format dropped",
            none,
            |d| {
                remove(d, &prop("UserProfile", "role_id"), "format");
            },
            R::ResponseFormatRelaxed,
            (Breaking, Breaking),
            "any string may come; the Rust field becomes String",
        ),
        case(
            "response email format dropped",
            none,
            |d| {
                remove(d, &prop("UserProfile", "email"), "format");
            },
            R::ResponseFormatRelaxed,
            (Breaking, NonBreaking),
            "non-emails may come; the Rust field stays String",
        ),
        case(
            "response format added",
            none,
            |d| set(d, &prop("UserProfile", "phone"), "format", json!("phone")),
            R::ResponseFormatTightened,
            (NonBreaking, NonBreaking),
            "responses stay within what clients expect",
        ),
        case(
            "response format replaced",
            none,
            |d| {
                set(
                    d,
                    &prop("UserProfile", "email"),
                    "format",
                    json!("idn-email"),
                )
            },
            R::FormatChanged,
            (Breaking, NonBreaking),
            "a different format; the Rust field stays String",
        ),
        case(
            "response integer width changed",
            none,
            |d| {
                set(
                    d,
                    &prop("UserProfile", "follower_count"),
                    "format",
                    json!("int32"),
                )
            },
            R::RustTypeChanged,
            (Breaking, Breaking),
            "larger counts no longer fit; the Rust field becomes i32",
        ),
        case(
            "response constraint tightened",
            none,
            |d| {
                set(
                    d,
                    &prop("UserProfile", "follower_count"),
                    "minimum",
                    json!(0),
                )
            },
            R::ResponseConstraintTightened,
            (NonBreaking, NonBreaking),
            "responses stay within what clients expect",
        ),
        case(
            "response constraint relaxed",
            |d| {
                set(
                    d,
                    &prop("UserProfile", "follower_count"),
                    "maximum",
                    json!(1000),
                )
            },
            none,
            R::ResponseConstraintRelaxed,
            (Breaking, NonBreaking),
            "larger counts may come",
        ),
        // Response enums and branches
        case(
            "response enum value added",
            status_enum,
            |d| {
                status_enum(d);
                push(
                    d,
                    &prop("UserProfile", "stripe_subscription_status/enum"),
                    json!("paused"),
                );
            },
            R::ResponseEnumValueAdded,
            (Breaking, Breaking),
            "exhaustive handling breaks; the Rust enum gains a variant",
        ),
        case(
            "response enum value removed",
            status_enum,
            |d| {
                status_enum(d);
                pop(d, &prop("UserProfile", "stripe_subscription_status/enum"));
            },
            R::ResponseEnumValueRemoved,
            (NonBreaking, Breaking),
            "harmless on the wire; the Rust variant is gone",
        ),
        case(
            "response value became an enum",
            none,
            status_enum,
            R::ResponseEnumAdded,
            (NonBreaking, Breaking),
            "fewer values on the wire; the Rust field becomes an enum",
        ),
        case(
            "response value no longer an enum",
            status_enum,
            none,
            R::ResponseEnumRemoved,
            (Breaking, Breaking),
            "unknown values may come; the Rust field becomes String",
        ),
        case(
            "response oneOf branch added",
            none,
            |d| {
                push(
                    d,
                    &schema("ValidationLocation/oneOf"),
                    json!({"type": "boolean", "description": "b"}),
                )
            },
            R::ResponseBranchAdded,
            (Breaking, Breaking),
            "a shape clients do not know; the Rust enum gains a variant",
        ),
        case(
            "response oneOf branch removed",
            none,
            |d| pop(d, &schema("ValidationLocation/oneOf")),
            R::ResponseBranchRemoved,
            (NonBreaking, Breaking),
            "harmless on the wire; the Rust enum loses a variant",
        ),
        case(
            "response closed to unknown fields",
            none,
            |d| {
                set(
                    d,
                    &schema("UserProfile"),
                    "additionalProperties",
                    json!(false),
                )
            },
            R::ClosedToUnknownFields,
            (NonBreaking, Breaking),
            "deny_unknown_fields fails on any field the server adds",
        ),
        case(
            "response opened to unknown fields",
            |d| {
                set(
                    d,
                    &schema("UserProfile"),
                    "additionalProperties",
                    json!(false),
                )
            },
            none,
            R::OpenedToUnknownFields,
            (NonBreaking, NonBreaking),
            "unknown fields are allowed again",
        ),
        // Request properties
        case(
            "new optional request property",
            none,
            |d| {
                set(
                    d,
                    &schema("UserProfileUpdate/properties"),
                    "nickname",
                    json!({"type": "string", "nullable": true, "description": "n"}),
                )
            },
            R::RequestPropertyAddedOptional,
            (NonBreaking, NonBreaking),
            "nobody has to send it; builders keep compiling",
        ),
        case(
            "new optional request property through allOf",
            none,
            |d| {
                set(
                    d,
                    &schema("UserProfileUpdate/properties"),
                    "nickname",
                    json!({"description": "n", "allOf": [{"$ref": "#/components/schemas/NullableString"}]}),
                )
            },
            R::RequestPropertyAddedOptional,
            (NonBreaking, NonBreaking),
            "a new Patch field; the struct is non_exhaustive",
        ),
        case(
            "new required request property",
            none,
            |d| {
                set(
                    d,
                    &schema("UserProfileUpdate/properties"),
                    "nickname",
                    json!({"type": "string", "description": "n"}),
                );
                set(
                    d,
                    &schema("UserProfileUpdate"),
                    "required",
                    json!(["nickname"]),
                );
            },
            R::RequestPropertyAddedRequired,
            (Breaking, Breaking),
            "old requests are refused",
        ),
        case(
            "request property removed",
            none,
            |d| {
                remove(d, &schema("UserProfileUpdate/properties"), "phone");
            },
            R::RequestPropertyRemoved,
            (NonBreaking, Breaking),
            "ignored if sent; the Rust field is gone",
        ),
        case(
            "request property became required",
            none,
            |d| {
                set(
                    d,
                    &schema("UserProfileUpdate"),
                    "required",
                    json!(["first_name"]),
                )
            },
            R::RequestPropertyBecameRequired,
            (Breaking, Breaking),
            "requests without it are refused; the Rust field loses its Option",
        ),
        case(
            "request property became optional",
            |d| {
                set(
                    d,
                    &schema("UserProfileUpdate"),
                    "required",
                    json!(["first_name"]),
                )
            },
            none,
            R::RequestPropertyBecameOptional,
            (NonBreaking, Breaking),
            "fine on the wire; the Rust field becomes an Option",
        ),
        case(
            "request property became non-nullable",
            none,
            |d| {
                remove(d, &schema("NullableString"), "nullable");
            },
            R::RequestBecameNonNullable,
            (Breaking, NonBreaking),
            "null is refused; the fields stay Patch<String>",
        ),
        case(
            "request property became nullable",
            age,
            |d| {
                age(d);
                set(
                    d,
                    &schema("UserProfileUpdate/properties/age"),
                    "nullable",
                    json!(true),
                );
            },
            R::RequestBecameNullable,
            (NonBreaking, NonBreaking),
            "null accepted too; the optional field is an Option either way",
        ),
        case(
            "request nullable beside allOf of a nullable type",
            none,
            |d| {
                set(
                    d,
                    &prop("UserProfileUpdate", "country"),
                    "nullable",
                    json!(true),
                )
            },
            Option::None,
            (None, None),
            "already nullable: the same schema and the same Patch field",
        ),
        case(
            "request type changed",
            age,
            |d| {
                age(d);
                set(
                    d,
                    &schema("UserProfileUpdate/properties/age"),
                    "type",
                    json!("string"),
                );
            },
            R::TypeChanged,
            (Breaking, Breaking),
            "numbers are refused",
        ),
        case(
            "request email format dropped",
            none,
            |d| {
                remove(d, &schema("NullableEmail"), "format");
            },
            R::RequestFormatRelaxed,
            (NonBreaking, NonBreaking),
            "every value accepted before still is; the field stays Patch<String>",
        ),
        case(
            "request format replaced",
            none,
            |d| set(d, &schema("NullableEmail"), "format", json!("idn-email")),
            R::FormatChanged,
            (Breaking, NonBreaking),
            "a different format; the field stays Patch<String>",
        ),
        case(
            "request format added",
            none,
            |d| set(d, &schema("NullableString"), "format", json!("hostname")),
            R::RequestFormatTightened,
            (Breaking, NonBreaking),
            "free strings are refused; the field stays Patch<String>",
        ),
        // Request constraints
        case(
            "request maxLength beside allOf",
            none,
            |d| {
                set(
                    d,
                    &prop("UserProfileUpdate", "address"),
                    "maxLength",
                    json!(10),
                )
            },
            R::RequestConstraintTightened,
            (Breaking, Breaking),
            "long addresses are refused; the field becomes a validated newtype",
        ),
        case(
            "request minLength beside allOf",
            none,
            |d| {
                set(
                    d,
                    &prop("UserProfileUpdate", "first_name"),
                    "minLength",
                    json!(1),
                )
            },
            R::RequestConstraintTightened,
            (Breaking, Breaking),
            "empty names are refused; the field becomes a validated newtype",
        ),
        case(
            "request pattern beside allOf",
            none,
            |d| {
                set(
                    d,
                    &prop("UserProfileUpdate", "phone"),
                    "pattern",
                    json!("^[0-9+ ]+$"),
                )
            },
            R::RequestConstraintTightened,
            (Breaking, Breaking),
            "free-form phones are refused; the field becomes a validated newtype",
        ),
        case(
            "request maxLength tightened in a Patch type",
            |d| set(d, &schema("NullableString"), "maxLength", json!(100)),
            |d| set(d, &schema("NullableString"), "maxLength", json!(10)),
            R::RequestConstraintTightened,
            (Breaking, NonBreaking),
            "long values are refused; the fields stay Patch<String>",
        ),
        case(
            "request pattern added to a Patch type",
            none,
            |d| set(d, &schema("NullableString"), "pattern", json!("^[a-z]+$")),
            R::RequestConstraintTightened,
            (Breaking, NonBreaking),
            "other values are refused; the fields stay Patch<String>",
        ),
        case(
            "request minimum relaxed",
            age,
            |d| {
                age(d);
                set(
                    d,
                    &schema("UserProfileUpdate/properties/age"),
                    "minimum",
                    json!(13),
                );
            },
            R::RequestConstraintRelaxed,
            (NonBreaking, NonBreaking),
            "every value accepted before still is",
        ),
        case(
            "request maximum tightened",
            age,
            |d| {
                age(d);
                set(
                    d,
                    &schema("UserProfileUpdate/properties/age"),
                    "maximum",
                    json!(120),
                );
            },
            R::RequestConstraintTightened,
            (Breaking, NonBreaking),
            "large values are refused; an integer stays i64",
        ),
        // Request enums and branches
        case(
            "request enum value added",
            plan_enum,
            |d| {
                plan_enum(d);
                push(
                    d,
                    &schema("UserProfileUpdate/properties/plan/enum"),
                    json!("team"),
                );
            },
            R::RequestEnumValueAdded,
            (NonBreaking, Breaking),
            "accepted on the wire; exhaustive matches on the Rust enum stop compiling",
        ),
        case(
            "request enum value removed",
            plan_enum,
            |d| {
                plan_enum(d);
                pop(d, &schema("UserProfileUpdate/properties/plan/enum"));
            },
            R::RequestEnumValueRemoved,
            (Breaking, Breaking),
            "requests using it are refused; the variant is gone",
        ),
        case(
            "request value became an enum",
            plan_string,
            plan_enum,
            R::RequestEnumAdded,
            (Breaking, Breaking),
            "other values are refused; the Rust field becomes an enum",
        ),
        case(
            "request value no longer an enum",
            plan_enum,
            plan_string,
            R::RequestEnumRemoved,
            (NonBreaking, Breaking),
            "any value is accepted; the Rust field becomes String",
        ),
        case(
            "request oneOf branch added",
            tag_branches,
            |d| {
                tag_branches(d);
                push(
                    d,
                    &schema("UserProfileUpdate/properties/tag/oneOf"),
                    json!({"type": "boolean"}),
                );
            },
            R::RequestBranchAdded,
            (NonBreaking, Breaking),
            "a new shape accepted; the Rust enum gains a variant",
        ),
        case(
            "request oneOf branch removed",
            tag_branches,
            |d| {
                tag_branches(d);
                pop(d, &schema("UserProfileUpdate/properties/tag/oneOf"));
            },
            R::RequestBranchRemoved,
            (Breaking, Breaking),
            "integers are refused; the Rust enum loses a variant",
        ),
        case(
            "request closed to unknown fields",
            none,
            |d| {
                set(
                    d,
                    &schema("UserProfileUpdate"),
                    "additionalProperties",
                    json!(false),
                )
            },
            R::RequestClosedToUnknownFields,
            (Breaking, NonBreaking),
            "extra fields are refused; the client only serialises requests",
        ),
        // Components
        case(
            "component renamed with references moved",
            none,
            rename_profile,
            R::ComponentRenamed,
            (None, Breaking),
            "the same wire, but types::UserProfile is gone",
        ),
        case(
            "unused component removed",
            unused_component,
            none,
            R::ComponentRemoved,
            (None, Breaking),
            "types::Avatar is gone",
        ),
        case(
            "component added",
            none,
            unused_component,
            R::ComponentAdded,
            (None, NonBreaking),
            "a new Rust type",
        ),
        // Security and servers
        case(
            "security scheme moved to a header",
            none,
            |d| {
                set(
                    d,
                    "/components/securitySchemes/apiKey",
                    "in",
                    json!("header"),
                )
            },
            R::SecuritySchemeChanged,
            (Breaking, Breaking),
            "keys in the query are refused",
        ),
        case(
            "security scheme removed",
            none,
            |d| {
                remove(d, "/components/securitySchemes", "apiKey");
            },
            R::SecuritySchemeRemoved,
            (Breaking, Breaking),
            "the key no longer authenticates",
        ),
        case(
            "security scheme added",
            none,
            |d| {
                set(
                    d,
                    "/components/securitySchemes",
                    "bearer",
                    json!({"type": "http", "scheme": "bearer"}),
                )
            },
            R::SecuritySchemeAdded,
            (NonBreaking, NonBreaking),
            "a new way nobody has to use",
        ),
        case(
            "operation security removed",
            none,
            |d| set(d, GET, "security", json!([])),
            R::SecurityRequirementRelaxed,
            (NonBreaking, NonBreaking),
            "requests carrying the key are still accepted",
        ),
        case(
            "global security made optional",
            none,
            |d| d["security"] = json!([{"apiKey": []}, {}]),
            R::SecurityRequirementRelaxed,
            (NonBreaking, NonBreaking),
            "an empty alternative: the key may be left out",
        ),
        case(
            "global security requires a second scheme",
            none,
            |d| {
                set(
                    d,
                    "/components/securitySchemes",
                    "bearer",
                    json!({"type": "http", "scheme": "bearer"}),
                );
                d["security"] = json!([{"apiKey": [], "bearer": []}]);
            },
            R::SecurityRequirementChanged,
            (Breaking, Breaking),
            "requests with the key alone are refused; the Rust client adds credentials by hand",
        ),
        case(
            "server replaced",
            none,
            |d| d["servers"] = json!([{"url": "https://api2.insighto.ai", "description": "x"}]),
            R::ServerRemoved,
            (Breaking, NonBreaking),
            "clients configured with the old URL fail; the Rust default is set by hand",
        ),
        case(
            "server added",
            none,
            |d| {
                push(
                    d,
                    "/servers",
                    json!({"url": "https://eu.insighto.ai", "description": "EU"}),
                )
            },
            R::ServerAdded,
            (NonBreaking, NonBreaking),
            "one more place to send requests",
        ),
        // Constructs of documents other than openapi.yaml (issue 21)
        case(
            "deprecated operation removed after its sunset",
            |d| {
                set(d, GET, "deprecated", json!(true));
                set(d, GET, "x-sunset", json!("2020-01-01"));
            },
            |d| {
                remove(d, "/paths/~1api~1v1~1user", "get");
            },
            R::DeprecatedOperationRemoved,
            (NonBreaking, Breaking),
            "clients were told the date; the Rust method is gone",
        ),
        case(
            "deprecated parameter removed after its sunset",
            deprecated_param,
            |d| at(d, GET)["parameters"] = json!([]),
            R::DeprecatedParameterRemoved,
            (NonBreaking, Breaking),
            "clients were told the date; the builder method is gone",
        ),
        case(
            "parameter default changed",
            |d| default_param(d, "low"),
            |d| default_param(d, "high"),
            R::ParameterDefaultChanged,
            (NonBreaking, None),
            "requests stay valid; the server's assumption changes",
        ),
        case(
            "path-level required parameter added",
            none,
            |d| {
                set(
                    d,
                    "/paths/~1api~1v1~1user",
                    "parameters",
                    json!([{"name": "X-Tenant", "in": "header", "required": true, "schema": {"type": "string"}}]),
                )
            },
            R::ParameterAddedRequired,
            (Breaking, Breaking),
            "a path item's parameters apply to each of its operations",
        ),
        case(
            "request integer widened to number",
            age,
            |d| {
                age(d);
                set(
                    d,
                    &prop("UserProfileUpdate", "age"),
                    "type",
                    json!("number"),
                );
            },
            R::RequestTypeWidened,
            (NonBreaking, Breaking),
            "every integer is a number; the Rust field becomes f64",
        ),
        case(
            "response number narrowed to integer",
            |d| score(d, "number"),
            |d| score(d, "integer"),
            R::ResponseTypeNarrowed,
            (NonBreaking, Breaking),
            "every integer is a number; the Rust field becomes i64",
        ),
        case(
            "request pattern changed",
            |d| plan_pattern(d, "^[a-z]+$"),
            |d| plan_pattern(d, "^[a-z0-9]+$"),
            R::PatternChanged,
            (Breaking, NonBreaking),
            "two regular expressions cannot be compared; the newtype stays",
        ),
        case(
            "request pattern relaxed to match everything",
            |d| plan_pattern(d, "^[a-z]+$"),
            |d| plan_pattern(d, ".*"),
            R::RequestConstraintRelaxed,
            (NonBreaking, NonBreaking),
            "`.*` accepts every string",
        ),
        case(
            "map value type changed in a response",
            |d| labels(d, "string"),
            |d| labels(d, "integer"),
            R::TypeChanged,
            (Breaking, Breaking),
            "additionalProperties is the schema of every value; HashMap<String, String> becomes HashMap<String, i64>",
        ),
        case(
            "map value's required property made optional in a response",
            |d| links(d, json!(["href"])),
            |d| links(d, json!([])),
            R::ResponsePropertyBecameOptional,
            (Breaking, Breaking),
            "every value of the map may now lack href; the inline struct's href becomes Option<String>",
        ),
        case(
            "request map values constrained",
            |d| {
                set(
                    d,
                    &schema("UserProfileUpdate/properties"),
                    "labels",
                    json!({"type": "object", "additionalProperties": true}),
                )
            },
            |d| {
                set(
                    d,
                    &schema("UserProfileUpdate/properties"),
                    "labels",
                    json!({"type": "object", "additionalProperties": {"type": "string"}}),
                )
            },
            R::RequestConstraintTightened,
            (Breaking, Breaking),
            "non-string values are refused; HashMap<String, Value> becomes HashMap<String, String>",
        ),
        case(
            "request oneOf branch tightened inside",
            tag_branches,
            |d| {
                tag_branches(d);
                set(
                    d,
                    &schema("UserProfileUpdate/properties/tag/oneOf/0"),
                    "maxLength",
                    json!(8),
                );
            },
            R::RequestConstraintTightened,
            (Breaking, NonBreaking),
            "the branch is paired with its old self, so the change is its bound, not a branch swapped",
        ),
        case(
            "request oneOf discriminator added",
            pets,
            discriminated_pets,
            R::DiscriminatorChanged,
            (NonBreaking, None),
            "the same values fit; typify ignores discriminator",
        ),
        case(
            "annotation-only allOf member added",
            age,
            |d| {
                set(
                    d,
                    &schema("UserProfileUpdate/properties"),
                    "age",
                    json!({"allOf": [{"type": "integer", "minimum": 18, "maximum": 150}, {"description": "a"}]}),
                );
            },
            R::AllOfRestructured,
            (Docs, Docs),
            "merged, the schema is the same",
        ),
        case(
            "request property became readOnly",
            nickname,
            |d| {
                nickname(d);
                set(
                    d,
                    &prop("UserProfileUpdate", "nickname"),
                    "readOnly",
                    json!(true),
                );
            },
            R::PropertyDirectionChanged,
            (NonBreaking, None),
            "the server ignores it in requests now; typify ignores readOnly",
        ),
        case(
            "required readOnly property added to a request",
            none,
            |d| {
                nickname(d);
                set(
                    d,
                    &prop("UserProfileUpdate", "nickname"),
                    "readOnly",
                    json!(true),
                );
                set(
                    d,
                    &schema("UserProfileUpdate"),
                    "required",
                    json!(["nickname"]),
                );
            },
            R::HiddenPropertyChanged,
            (None, Breaking),
            "nobody sends it, but the Rust struct requires it",
        ),
        case(
            "XML response body type changed",
            xml_profile,
            |d| {
                xml_profile(d);
                let description = at(d, &schema("UserProfileResponse"))["description"].clone();
                at(d, GET)["responses"]["200"]["content"]["application/xml"]["schema"] =
                    json!({"type": "string", "description": description});
            },
            R::XmlTypeChanged,
            (Breaking, None),
            "XML is text, but the body is no longer described; the client has no XML types",
        ),
        case(
            "oneOf branch names another component of the same shape",
            pets,
            |d| {
                pets(d);
                cat_becomes_lynx(d);
            },
            R::BranchRefChanged,
            (None, Breaking),
            "the same values; the Rust variant wraps types::Lynx, not types::Cat",
        ),
        case(
            "discriminated oneOf branch names another component of the same shape",
            discriminated_pets,
            |d| {
                discriminated_pets(d);
                cat_becomes_lynx(d);
            },
            R::RequestBranchRemoved,
            (Breaking, Breaking),
            "the implicit discriminator value is the component's name: kind Cat is refused now",
        ),
        case(
            "request property's not schema changed",
            |d| {
                set(
                    d,
                    &prop("UserProfileUpdate", "phone"),
                    "not",
                    json!({"enum": ["000"]}),
                )
            },
            |d| {
                set(
                    d,
                    &prop("UserProfileUpdate", "phone"),
                    "not",
                    json!({"enum": ["999"]}),
                )
            },
            R::ExclusionChanged,
            (Breaking, NonBreaking),
            "phone 000 is accepted now and 999 refused: neither direction is safe",
        ),
        case(
            "response string's content media type changed",
            |d| {
                set(
                    d,
                    &prop("UserProfile", "address"),
                    "contentMediaType",
                    json!("text/plain"),
                )
            },
            |d| {
                set(
                    d,
                    &prop("UserProfile", "address"),
                    "contentMediaType",
                    json!("text/markdown"),
                )
            },
            R::ContentAnnotationChanged,
            (NonBreaking, NonBreaking),
            "an annotation validators do not enforce: the same strings fit",
        ),
        case(
            "required response property became writeOnly",
            none,
            |d| set(d, &prop("UserProfile", "id"), "writeOnly", json!(true)),
            R::ResponsePropertyWithdrawn,
            (Breaking, Breaking),
            "the server stops sending it; the Rust struct still requires it",
        ),
        // Documentation
        case(
            "summary changed",
            none,
            |d| set(d, GET, "summary", json!("Read my profile")),
            R::DocsChanged,
            (Docs, Docs),
            "documentation only",
        ),
        case(
            "property description changed",
            none,
            |d| {
                set(
                    d,
                    &prop("UserProfileUpdate", "phone"),
                    "description",
                    json!("Where to call."),
                )
            },
            R::DocsChanged,
            (Docs, Docs),
            "documentation beside an allOf is documentation",
        ),
    ]
}
