//! Rustdoc for the generated items progenitor and typify leave undocumented, so the raw crate
//! can hold `#![warn(missing_docs)]` (an error under `cargo xtask docs`).
//!
//! Two kinds of item have no doc of their own in progenitor 0.15's output:
//! - **enum variants**: typify ignores the spec's `x-enumDescriptions` (Redocly's per-value
//!   descriptions), so each variant gets its value's description from the spec, found through
//!   the variant's `#[serde(rename)]` value;
//! - **builder code**: the `types::builder` structs and their field setters, each type's
//!   `builder()` function, and the operation builders' `new`, parameter setters, `body` and
//!   `body_map`. Their docs are derived from what they set: a field setter links the field
//!   (whose doc is the property's description), a parameter setter carries the parameter's
//!   description from the spec, the rest name their type or operation.
//!
//! Nothing here is a list kept by hand: every item is found in the tokens and every text comes
//! from the tokens or the spec. Anything that cannot be matched (a described enum or value with
//! no generated variant, a setter that names no field or parameter) fails generation, so a
//! progenitor upgrade cannot silently drop docs.

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use openapiv3::{OpenAPI, ReferenceOr};
use serde_json::Value;

use super::{operations, resolve_parameter};

/// The spec extension holding an enum's per-value descriptions (value -> text).
pub const ENUM_DESCRIPTIONS: &str = "x-enumDescriptions";

/// Document every undocumented generated item described in the module docs.
pub fn document_generated_items(spec: &OpenAPI, file: &mut syn::File) -> Result<()> {
    let types =
        module_mut(&mut file.items, "types").context("progenitor output has no `mod types`")?;
    document_enum_variants(spec, types)?;
    document_type_builders(types)?;

    let operation_of_builder = client_methods_by_builder(&file.items);
    let parameters = parameter_descriptions(spec);
    let builders = module_mut(&mut file.items, "builder")
        .context("progenitor output has no operation `mod builder`")?;
    document_operation_builders(builders, &operation_of_builder, &parameters)
}

fn module_mut<'a>(items: &'a mut [syn::Item], name: &str) -> Option<&'a mut Vec<syn::Item>> {
    items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == name => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    })
}

fn has_doc(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| a.path().is_ident("doc"))
}

/// Put `text` first among `attrs` as a doc comment, in progenitor's style (no leading space).
fn set_doc(attrs: &mut Vec<syn::Attribute>, text: &str) {
    attrs.insert(0, syn::parse_quote!(#[doc = #text]));
}

fn is_pub(vis: &syn::Visibility) -> bool {
    matches!(vis, syn::Visibility::Public(_))
}

/// Case- and separator-blind spelling, so `Idempotency-Key` meets `idempotency_key` and
/// `listPersons` meets `list_persons` without re-implementing progenitor's renaming.
fn normalized(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

// ------------------------------------------------------------------------------- enum variants

/// Named enum schema -> (value, description), from `x-enumDescriptions`.
fn enum_value_descriptions(spec: &OpenAPI) -> Result<BTreeMap<String, Vec<(String, String)>>> {
    let json = serde_json::to_value(spec)?;
    let mut inline = Vec::new();
    find_enum_descriptions(&json, "", &mut inline);
    let mut described = BTreeMap::new();
    for pointer in inline {
        let Some(name) = pointer
            .strip_prefix("/components/schemas/")
            .filter(|rest| !rest.contains('/'))
        else {
            bail!(
                "{pointer}: an inline enum with {ENUM_DESCRIPTIONS}; codegen documents the \
                 variants of named enums only, so make it a component schema"
            );
        };
        let schema = &json["components"]["schemas"][name];
        let values: Vec<&str> = schema["enum"]
            .as_array()
            .map(|v| v.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut entries = Vec::new();
        for (value, text) in schema[ENUM_DESCRIPTIONS].as_object().into_iter().flatten() {
            if !values.contains(&value.as_str()) {
                bail!(
                    "{pointer}: {ENUM_DESCRIPTIONS} describes `{value}`, which is not in its enum"
                );
            }
            let text = text.as_str().with_context(|| {
                format!("{pointer}: {ENUM_DESCRIPTIONS}.{value} is not a string")
            })?;
            entries.push((value.clone(), text.trim().to_string()));
        }
        described.insert(name.to_string(), entries);
    }
    Ok(described)
}

/// Pointers of every object carrying `x-enumDescriptions`.
fn find_enum_descriptions(value: &Value, pointer: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if map.contains_key(ENUM_DESCRIPTIONS) {
                out.push(pointer.to_string());
            }
            for (key, sub) in map {
                if key != ENUM_DESCRIPTIONS && key != "example" && key != "examples" {
                    let key = key.replace('~', "~0").replace('/', "~1");
                    find_enum_descriptions(sub, &format!("{pointer}/{key}"), out);
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                find_enum_descriptions(item, &format!("{pointer}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// The wire value of an enum variant: its `#[serde(rename = "...")]`, else its name.
fn wire_value(variant: &syn::Variant) -> Result<String> {
    let mut value = None;
    for attr in variant.attrs.iter().filter(|a| a.path().is_ident("serde")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                value = Some(meta.value()?.parse::<syn::LitStr>()?.value());
            } else if !meta.input.is_empty() && meta.input.peek(syn::Token![=]) {
                meta.value()?.parse::<syn::Expr>()?;
            }
            Ok(())
        })?;
    }
    Ok(value.unwrap_or_else(|| variant.ident.to_string()))
}

fn document_enum_variants(spec: &OpenAPI, types: &mut [syn::Item]) -> Result<()> {
    for (name, values) in enum_value_descriptions(spec)? {
        let Some(item) = types.iter_mut().find_map(|item| match item {
            syn::Item::Enum(e) if e.ident == name => Some(e),
            _ => None,
        }) else {
            bail!("enum `{name}` has {ENUM_DESCRIPTIONS} but no generated `enum {name}`");
        };
        for (value, text) in values {
            let mut found = false;
            for variant in item.variants.iter_mut() {
                if wire_value(variant)? == value {
                    found = true;
                    if !has_doc(&variant.attrs) {
                        set_doc(&mut variant.attrs, &text);
                    }
                }
            }
            if !found {
                bail!(
                    "enum `{name}`: {ENUM_DESCRIPTIONS} describes `{value}`, which no variant has"
                );
            }
        }
    }
    Ok(())
}

// ------------------------------------------------------------------------------ type builders

/// `types::builder::X` structs and setters, and each type's `builder()` function.
fn document_type_builders(types: &mut [syn::Item]) -> Result<()> {
    let mut fields: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for item in types.iter() {
        if let syn::Item::Struct(s) = item
            && let syn::Fields::Named(named) = &s.fields
        {
            let names = named
                .named
                .iter()
                .filter_map(|f| f.ident.as_ref())
                .map(ToString::to_string);
            fields.insert(s.ident.to_string(), names.collect());
        }
    }
    let mut builders = 0;
    for item in types.iter_mut() {
        match item {
            syn::Item::Impl(imp) if imp.trait_.is_none() => {
                let ty = self_type_name(imp)?;
                for f in impl_fns(imp) {
                    if f.sig.ident == "builder" {
                        set_doc(
                            &mut f.attrs,
                            &format!(
                                "A [`builder::{ty}`] with nothing set yet, to build a `{ty}` field by field."
                            ),
                        );
                    } else {
                        bail!(
                            "types::{ty}::{}: no doc rule for this generated function",
                            f.sig.ident
                        );
                    }
                }
            }
            syn::Item::Mod(m) if m.ident == "builder" => {
                let items = m
                    .content
                    .as_mut()
                    .map(|(_, items)| items)
                    .context("empty types::builder")?;
                for item in items.iter_mut() {
                    match item {
                        syn::Item::Struct(s) if is_pub(&s.vis) && !has_doc(&s.attrs) => {
                            let ty = s.ident.to_string();
                            set_doc(
                                &mut s.attrs,
                                &format!(
                                    "Builds a [`{ty}`](super::{ty}) field by field; \
                                     `{ty}::try_from` checks that every required field is set."
                                ),
                            );
                            builders += 1;
                        }
                        syn::Item::Impl(imp) if imp.trait_.is_none() => {
                            let ty = self_type_name(imp)?;
                            let known = fields.get(&ty).with_context(|| {
                                format!("types::builder::{ty} builds no struct with named fields")
                            })?;
                            for f in impl_fns(imp) {
                                let field = f.sig.ident.to_string();
                                if !known.contains(&field) {
                                    bail!("types::builder::{ty}::{field} sets no field of `{ty}`");
                                }
                                set_doc(
                                    &mut f.attrs,
                                    &format!("Sets [`{ty}::{field}`](super::{ty}::{field})."),
                                );
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    if builders == 0 {
        bail!("progenitor output has no `types::builder` structs to document");
    }
    Ok(())
}

fn self_type_name(imp: &syn::ItemImpl) -> Result<String> {
    match &*imp.self_ty {
        syn::Type::Path(p) => Ok(p
            .path
            .segments
            .last()
            .context("empty type path")?
            .ident
            .to_string()),
        other => bail!(
            "impl for unexpected type `{}`",
            quote::ToTokens::to_token_stream(other)
        ),
    }
}

/// The public, undocumented functions of an inherent impl.
fn impl_fns(imp: &mut syn::ItemImpl) -> impl Iterator<Item = &mut syn::ImplItemFn> {
    imp.items.iter_mut().filter_map(|item| match item {
        syn::ImplItem::Fn(f) if is_pub(&f.vis) && !has_doc(&f.attrs) => Some(f),
        _ => None,
    })
}

// ------------------------------------------------------------------------- operation builders

/// Operation builder struct name -> the `Client` method returning it (`ListPersons` ->
/// `list_persons`), read from the `impl Client` blocks.
fn client_methods_by_builder(items: &[syn::Item]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for item in items {
        let syn::Item::Impl(imp) = item else { continue };
        let is_client = matches!(&*imp.self_ty, syn::Type::Path(p) if p.path.is_ident("Client"));
        if !is_client || imp.trait_.is_some() {
            continue;
        }
        for item in &imp.items {
            let syn::ImplItem::Fn(f) = item else { continue };
            if let syn::ReturnType::Type(_, ty) = &f.sig.output
                && let syn::Type::Path(p) = &**ty
                && p.path.segments.len() == 2
                && p.path.segments[0].ident == "builder"
            {
                out.insert(
                    p.path.segments[1].ident.to_string(),
                    f.sig.ident.to_string(),
                );
            }
        }
    }
    out
}

/// normalized(operationId) -> normalized(parameter name) -> description.
fn parameter_descriptions(spec: &OpenAPI) -> BTreeMap<String, BTreeMap<String, Option<String>>> {
    let mut out = BTreeMap::new();
    for (_, item) in &spec.paths.paths {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        for (_, op) in operations(item) {
            let Some(id) = &op.operation_id else { continue };
            let params = item
                .parameters
                .iter()
                .chain(op.parameters.iter())
                .filter_map(|p| resolve_parameter(spec, p))
                .map(|p| {
                    let data = p.parameter_data_ref();
                    (
                        normalized(&data.name),
                        data.description
                            .as_deref()
                            .map(str::trim)
                            .map(str::to_string),
                    )
                });
            out.insert(normalized(id), params.collect());
        }
    }
    out
}

fn document_operation_builders(
    items: &mut [syn::Item],
    client_methods: &BTreeMap<String, String>,
    parameters: &BTreeMap<String, BTreeMap<String, Option<String>>>,
) -> Result<()> {
    let mut bodies: BTreeMap<String, String> = BTreeMap::new();
    for item in items.iter() {
        if let syn::Item::Struct(s) = item
            && let syn::Fields::Named(named) = &s.fields
            && let Some(body) = named
                .named
                .iter()
                .find(|f| f.ident.as_ref().is_some_and(|i| i == "body"))
        {
            // `body: Result<types::builder::X, String>`: X is the request body type.
            let ty = quote::ToTokens::to_token_stream(&body.ty).to_string();
            let name = ty
                .split("builder ::")
                .nth(1)
                .and_then(|rest| rest.split_whitespace().next())
                .with_context(|| format!("builder::{}: unexpected body field `{ty}`", s.ident))?;
            bodies.insert(s.ident.to_string(), name.to_string());
        }
    }
    let mut documented = 0;
    for item in items.iter_mut() {
        let syn::Item::Impl(imp) = item else { continue };
        if imp.trait_.is_some() {
            continue;
        }
        let builder = self_type_name(imp)?;
        let method = client_methods
            .get(&builder)
            .with_context(|| format!("builder::{builder}: no `Client` method returns it"))?;
        let operation = format!("[`Client::{method}`](super::Client::{method})");
        let params = parameters
            .get(&normalized(method))
            .with_context(|| format!("builder::{builder}: no operation `{method}` in the spec"))?;
        for f in impl_fns(imp) {
            let name = f.sig.ident.to_string();
            let doc = match name.as_str() {
                "new" => format!(
                    "A {operation} request with nothing set yet (what that method returns)."
                ),
                "body" | "body_map" => {
                    let ty = bodies.get(&builder).with_context(|| {
                        format!("builder::{builder}::{name} without a body field")
                    })?;
                    if name == "body" {
                        format!("Sets the request body, a [`types::{ty}`].")
                    } else {
                        format!(
                            "Changes the request body: `f` gets the [`types::builder::{ty}`] set so far \
                             and returns the one to send."
                        )
                    }
                }
                _ => match params.get(&normalized(&name)) {
                    Some(Some(description)) => description.clone(),
                    Some(None) => {
                        bail!("{method}: parameter `{name}` has no description in the spec")
                    }
                    None => bail!("builder::{builder}::{name} sets no parameter of `{method}`"),
                },
            };
            set_doc(&mut f.attrs, &doc);
            documented += 1;
        }
    }
    if documented == 0 {
        bail!("progenitor output has no operation builder functions to document");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::generate_from_str;

    /// One operation with a described header and query parameter, a request body, and a named
    /// enum with `x-enumDescriptions`.
    fn spec() -> String {
        r##"
openapi: 3.0.3
info: {title: t, version: 1.0.0}
paths:
  /things:
    post:
      operationId: createThing
      parameters:
        - name: Idempotency-Key
          in: header
          description: The retry key.
          schema: {type: string}
        - name: dry_run
          in: query
          description: Only check the body.
          schema: {type: boolean}
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/NewThing'}
      responses:
        '204':
          description: done
components:
  schemas:
    Mode:
      type: string
      description: How it runs.
      enum: [FAST, slow:down]
      x-enumDescriptions:
        FAST: Quick.
        'slow:down': Careful.
    NewThing:
      type: object
      required: [mode]
      properties:
        mode:
          description: The mode to run in.
          allOf: [{$ref: '#/components/schemas/Mode'}]
        type:
          type: string
          description: The kind of thing.
"##
        .to_string()
    }

    fn squashed(code: &str) -> String {
        code.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn enum_variants_carry_their_values_descriptions() {
        let code = squashed(&generate_from_str(&spec()).unwrap());
        assert!(
            code.contains("///Quick. #[serde(rename = \"FAST\")] Fast,"),
            "{code}"
        );
        assert!(
            code.contains("///Careful. #[serde(rename = \"slow:down\")] SlowDown,"),
            "{code}"
        );
    }

    #[test]
    fn a_described_value_without_a_variant_fails_generation() {
        let text = spec().replace("enum: [FAST, slow:down]", "enum: [FAST]");
        let err = generate_from_str(&text).unwrap_err().to_string();
        assert!(
            err.contains("describes `slow:down`, which is not in its enum"),
            "{err}"
        );
    }

    #[test]
    fn a_described_enum_or_value_missing_from_the_output_fails_generation() {
        let parsed = super::super::parse_spec(&spec()).unwrap();
        let mut items: Vec<syn::Item> = vec![syn::parse_quote!(
            pub enum Mode {
                #[serde(rename = "FAST")]
                Fast,
            }
        )];
        let err = super::document_enum_variants(&parsed, &mut items)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("describes `slow:down`, which no variant has"),
            "{err}"
        );
        let err = super::document_enum_variants(&parsed, &mut [])
            .unwrap_err()
            .to_string();
        assert!(err.contains("no generated `enum Mode`"), "{err}");
    }

    #[test]
    fn an_inline_enum_with_value_descriptions_fails_generation() {
        let text = spec().replace(
            "        type:\n          type: string\n",
            "        type:\n          type: string\n          enum: [A]\n          x-enumDescriptions: {A: a}\n",
        );
        let err = generate_from_str(&text).unwrap_err().to_string();
        assert!(
            err.contains("/components/schemas/NewThing/properties/type: an inline enum"),
            "{err}"
        );
    }

    #[test]
    fn type_builders_link_the_fields_they_set() {
        let code = squashed(&generate_from_str(&spec()).unwrap());
        for want in [
            "///Sets [`NewThing::mode`](super::NewThing::mode). pub fn mode<T>",
            "///Sets [`NewThing::type_`](super::NewThing::type_). pub fn type_<T>",
            "pub struct NewThing {",
            "///A [`builder::NewThing`] with nothing set yet, to build a `NewThing` field by field. pub fn builder()",
        ] {
            assert!(code.contains(want), "{want} not in {code}");
        }
        assert!(code.contains(
            "field by field; `NewThing::try_from` checks that every required field is set."
        ));
    }

    #[test]
    fn operation_builders_carry_parameter_descriptions_and_name_their_operation() {
        let code = squashed(&generate_from_str(&spec()).unwrap());
        for want in [
            "///A [`Client::create_thing`](super::Client::create_thing) request with nothing set yet (what that method returns). pub fn new(",
            "///The retry key. pub fn idempotency_key<V>",
            "///Only check the body. pub fn dry_run<V>",
            "///Sets the request body, a [`types::NewThing`]. pub fn body<V>",
            "///Changes the request body: `f` gets the [`types::builder::NewThing`] set so far and returns the one to send. pub fn body_map<F>",
        ] {
            assert!(code.contains(want), "{want} not in {code}");
        }
    }

    #[test]
    fn an_undescribed_parameter_fails_generation() {
        let text = spec().replace("          description: Only check the body.\n", "");
        let err = generate_from_str(&text).unwrap_err().to_string();
        assert!(
            err.contains("parameter `dry_run` has no description"),
            "{err}"
        );
    }
}
