//! The rule table: every kind of change the classifier knows, with its verdict for HTTP
//! clients and for Rust users and one line saying why.

use serde::{Serialize, Serializer};

/// How much a change matters to one audience.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// Nothing changes for this audience.
    None,
    /// Documentation only: descriptions, summaries, examples.
    Docs,
    /// Existing users keep working.
    NonBreaking,
    /// Existing users can break.
    Breaking,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Self::None => "no change",
            Self::Docs => "docs-only",
            Self::NonBreaking => "non-breaking",
            Self::Breaking => "breaking",
        }
    }
}

/// One row of the rule table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleInfo {
    pub id: &'static str,
    /// For HTTP clients in any language.
    pub http: Severity,
    /// For Rust code using the generated crate.
    pub rust: Severity,
    /// One line saying why.
    pub explanation: &'static str,
}

macro_rules! rules {
    ($($variant:ident = $id:literal, $http:ident, $rust:ident, $why:literal;)*) => {
        /// A classification rule; its verdicts and explanation are in [`RULES`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Rule { $($variant),* }

        /// The rule table: every rule with its verdict for each audience.
        pub const RULES: &[(Rule, RuleInfo)] = &[
            $((Rule::$variant, RuleInfo { id: $id, http: $http, rust: $rust, explanation: $why }),)*
        ];

        impl Rule {
            pub fn info(self) -> &'static RuleInfo {
                match self { $(Rule::$variant => &RULES[Rule::$variant as usize].1),* }
            }
        }
    };
}

use Severity::{Breaking as B, Docs as D, NonBreaking as N, None as X};

rules! {
    DocsChanged = "docs-changed", D, D, "descriptions, summaries, titles, examples and tags are documentation";
    ServerRemoved = "server-removed", B, N, "policy: clients configured with the old server fail (the peer oasdiff ignores servers); the Rust client's default base URL is set by hand";
    ServerAdded = "server-added", N, N, "one more place to send requests to";
    SecuritySchemeRemoved = "security-scheme-removed", B, B, "policy: requests authenticated that way are refused, even if no operation requires it any more";
    SecuritySchemeChanged = "security-scheme-changed", B, B, "requests authenticated the old way are refused; the Rust client adds the key by hand";
    SecuritySchemeAdded = "security-scheme-added", N, N, "a new way to authenticate, nobody has to use it";
    SecurityRequirementChanged = "security-requirement-changed", B, B, "policy: requests that carried what was required before may lack what is required now (another or one more scheme, more scopes), so they may be refused";
    SecurityRequirementRelaxed = "security-requirement-relaxed", N, N, "every request that carried what was required before still does: fewer schemes or scopes, an alternative added, or none required";
    OperationRemoved = "operation-removed", B, B, "requests to it fail and its Rust method is gone";
    DeprecatedOperationRemoved = "deprecated-operation-removed", N, B, "policy: deprecated, with no x-sunset date or one that has passed, so clients were told it would go; its Rust method is gone all the same";
    OperationAdded = "operation-added", N, N, "a new endpoint and a new Rust method";
    OperationIdChanged = "operation-id-changed", B, B, "generated clients rename the method";
    MethodChanged = "method-changed", B, N, "old requests miss; the regenerated Rust method keeps its name";
    PathChanged = "path-changed", B, N, "old requests miss; the regenerated Rust method keeps its name";
    PathParameterRenamed = "path-parameter-renamed", D, D, "the URLs are the same; only the private generated client names the parameter";
    ParameterRemoved = "parameter-removed", B, B, "policy: requests sending it may be refused (servers that ignore unknown parameters would not), and clients lose what it did; its builder method is gone";
    DeprecatedParameterRemoved = "deprecated-parameter-removed", N, B, "policy: deprecated, with no x-sunset date or one that has passed, so clients were told; its builder method is gone all the same";
    ParameterDefaultChanged = "parameter-default-changed", N, X, "policy: requests stay valid and are accepted as before; only what the server assumes when the parameter is omitted changes, which is behaviour, not contract (the generated client never fills defaults in)";
    ParameterBecameRequired = "parameter-became-required", B, B, "requests without it are refused";
    ParameterAddedRequired = "parameter-added-required", B, B, "every old request lacks it";
    ParameterAddedOptional = "parameter-added-optional", N, N, "nobody has to send it; the builder gains a method";
    RequestBodyAddedRequired = "request-body-added-required", B, B, "old requests have no body";
    RequestBodyAddedOptional = "request-body-added-optional", N, N, "nobody has to send it";
    RequestBodyRemoved = "request-body-removed", B, B, "the operation no longer takes what clients send";
    RequestBodyBecameRequired = "request-body-became-required", B, B, "requests without a body are refused";
    SuccessStatusRemoved = "success-status-removed", B, B, "clients expecting that status get another";
    ErrorStatusRemoved = "error-status-removed", B, N, "clients handling it may mis-handle what comes instead; the Rust client decodes errors by hand";
    StatusAdded = "status-added", N, N, "a status documented that the service may already send";
    MediaTypeRemoved = "media-type-removed", B, B, "clients sending or expecting it break";
    MediaTypeAdded = "media-type-added", N, N, "one more representation";
    TypeChanged = "type-changed", B, B, "old values no longer fit, and neither does the Rust type";
    XmlTypeChanged = "xml-type-changed", B, X, "policy: the type of an XML body's schema changed: XML carries text, so some readers cope, but what clients send or read is no longer described; the generated client has no types for XML bodies";
    RequestTypeWidened = "request-type-widened", N, B, "integer became number, or a parameter's number, integer or boolean became string (parameters travel as text): every value accepted before still is; the Rust type changes";
    ResponseTypeNarrowed = "response-type-narrowed", N, B, "number became integer in a response: responses stay within what clients expect; the Rust field becomes an integer";
    RequestFormatTightened = "request-format-tightened", B, N, "values accepted before may be refused";
    RequestFormatRelaxed = "request-format-relaxed", N, N, "every value accepted before still is";
    ResponseFormatTightened = "response-format-tightened", N, N, "responses stay within what clients expect";
    ResponseFormatRelaxed = "response-format-relaxed", B, N, "clients relying on the old format may break";
    FormatChanged = "format-changed", B, N, "one format replaced by another: neither side's values are safe";
    ResponseBecameNullable = "response-became-nullable", B, N, "clients that do not expect null break";
    ResponseBecameNonNullable = "response-became-non-nullable", N, N, "responses stay within what clients expect";
    RequestBecameNonNullable = "request-became-non-nullable", B, N, "requests sending null are refused";
    RequestBecameNullable = "request-became-nullable", N, N, "every request accepted before still is";
    RustTypeChanged = "rust-type-changed", X, B, "the Rust type of the field changes, so code naming or building it stops compiling";
    RequestEnumAdded = "request-enum-added", B, N, "only the listed values are accepted now";
    ResponseEnumAdded = "response-enum-added", N, N, "responses stay within what clients expect";
    RequestEnumRemoved = "request-enum-removed", N, N, "any value is accepted now";
    ResponseEnumRemoved = "response-enum-removed", B, N, "responses may carry values clients do not know";
    ResponseEnumValueAdded = "response-enum-value-added", B, B, "policy: clients with exhaustive handling break; the generated Rust enum gains a variant";
    RequestEnumValueAdded = "request-enum-value-added", N, B, "nobody has to send it, but the generated Rust enum gains a variant and exhaustive matches stop compiling";
    RequestEnumValueRemoved = "request-enum-value-removed", B, B, "requests using it are refused; its Rust variant is gone";
    ResponseEnumValueRemoved = "response-enum-value-removed", N, B, "harmless on the wire, but its Rust variant is gone";
    RequestConstraintTightened = "request-constraint-tightened", B, N, "policy: values accepted before are refused, whether a bound was lowered or set where there was none";
    RequestConstraintRelaxed = "request-constraint-relaxed", N, N, "every value accepted before still is";
    ResponseConstraintTightened = "response-constraint-tightened", N, N, "responses stay within what clients expect";
    ResponseConstraintRelaxed = "response-constraint-relaxed", B, N, "policy: clients relying on the old bound or pattern (a response pattern removed too) may break";
    PatternChanged = "pattern-changed", B, N, "policy: one regular expression replaced by another: whether it accepts more or less cannot be told, so values on either side may no longer fit; typify keeps the same newtype";
    ResponseBranchAdded = "response-branch-added", B, B, "policy: responses can take a shape clients do not know (for anyOf too), so exhaustive handling breaks; the Rust enum gains a variant";
    RequestBranchAdded = "request-branch-added", N, B, "a new accepted shape; the Rust enum gains a variant";
    RequestBranchRemoved = "request-branch-removed", B, B, "requests of that shape are refused; the Rust enum loses a variant";
    ResponseBranchRemoved = "response-branch-removed", N, B, "harmless on the wire; the Rust enum loses a variant";
    BranchRefChanged = "branch-ref-changed", X, B, "policy: a branch now names another component of the same shape (or a component instead of the same inline schema, or back): the same values fit; the Rust variant wraps another type";
    ExclusionChanged = "exclusion-changed", B, N, "what a `not` schema excludes changed: whether more or fewer values fit cannot be told, so values on either side may no longer fit; `not` has no Rust type of its own";
    ContentAnnotationChanged = "content-annotation-changed", N, N, "policy: contentMediaType, contentEncoding and contentSchema annotate a string's content and JSON Schema 2020-12 validators do not enforce them, so requests and responses that fit before still fit; the Rust type stays String";
    DiscriminatorChanged = "discriminator-changed", N, X, "the branches' own shapes still say which one a value is, so no value changes meaning; typify ignores discriminator, so the Rust enum is the same";
    AllOfRestructured = "all-of-restructured", D, D, "policy: allOf members added or removed that change nothing once merged, such as annotation-only members: the same values fit and the merged Rust fields are the same";
    ClosedToUnknownFields = "closed-to-unknown-fields", N, B, "additionalProperties: false becomes deny_unknown_fields: the Rust client fails on any field the server adds";
    RequestClosedToUnknownFields = "request-closed-to-unknown-fields", B, N, "requests with fields the server does not list are refused";
    OpenedToUnknownFields = "opened-to-unknown-fields", N, N, "unknown fields are allowed again";
    ResponsePropertyRemoved = "response-property-removed", B, B, "clients reading it get nothing; its Rust field is gone";
    ResponseOptionalPropertyRemoved = "response-optional-property-removed", N, B, "clients already cope with its absence; its Rust field is gone";
    ResponsePropertyWithdrawn = "response-property-withdrawn", B, B, "policy: a required response property became writeOnly, so the server stops sending what clients rely on; typify ignores writeOnly, so the Rust struct still requires it and decoding fails";
    RequestPropertyRemoved = "request-property-removed", N, B, "the server ignores it if sent, but its Rust field is gone";
    ResponsePropertyBecameOptional = "response-property-became-optional", B, N, "clients relying on its presence break";
    ResponsePropertyBecameRequired = "response-property-became-required", N, N, "responses stay within what clients expect";
    RequestPropertyBecameRequired = "request-property-became-required", B, N, "requests without it are refused";
    RequestPropertyBecameOptional = "request-property-became-optional", N, N, "every request accepted before still is";
    RequestPropertyAddedRequired = "request-property-added-required", B, B, "old requests are refused and callers must set a new field";
    RequestPropertyAddedOptional = "request-property-added-optional", N, N, "nobody has to send it; the struct is non_exhaustive and its builder gains a method";
    PropertyDirectionChanged = "property-direction-changed", N, X, "a property became or stopped being readOnly (never sent in requests) or writeOnly (never in responses); typify ignores both keywords";
    HiddenPropertyChanged = "hidden-property-changed", X, B, "a readOnly property of a request or writeOnly one of a response was added as required or removed: it does not travel that way, but the generated struct serves both directions and its field changes";
    ResponsePropertyAdded = "response-property-added", N, N, "clients ignore unknown fields; the struct is non_exhaustive";
    ComponentRenamed = "component-renamed", X, B, "the same schema under a new name: nothing changes on the wire, the Rust type users name is gone";
    ComponentRemoved = "component-removed", X, B, "its Rust type is gone";
    ComponentAdded = "component-added", X, N, "a new Rust type";
}

impl Serialize for Rule {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.info().id)
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.info().id)
    }
}
