//! The JSON Schemas of the generated types: each named constrained string keeps its rules in
//! its schema, and every JSON Schema derive and impl is put behind the raw crate's `json-schema`
//! feature.

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use openapiv3::{OpenAPI, ReferenceOr, SchemaKind, Type};

/// The JSON Schema keywords of a named constrained string (`Ssn`, `PersonName`, ...).
#[derive(Debug)]
struct StringRule {
    description: Option<String>,
    min_length: Option<usize>,
    max_length: Option<usize>,
    pattern: Option<String>,
}

/// Named string schemas with `minLength`, `maxLength` or `pattern` (and no `enum`).
fn constrained_strings(spec: &OpenAPI) -> BTreeMap<String, StringRule> {
    let mut rules = BTreeMap::new();
    let Some(components) = &spec.components else {
        return rules;
    };
    for (name, schema) in &components.schemas {
        let ReferenceOr::Item(schema) = schema else {
            continue;
        };
        let SchemaKind::Type(Type::String(string)) = &schema.schema_kind else {
            continue;
        };
        if !string.enumeration.is_empty()
            || (string.min_length.is_none()
                && string.max_length.is_none()
                && string.pattern.is_none())
        {
            continue;
        }
        rules.insert(
            name.clone(),
            StringRule {
                description: schema
                    .schema_data
                    .description
                    .as_deref()
                    .map(|d| d.trim().to_string()),
                min_length: string.min_length,
                max_length: string.max_length,
                pattern: string.pattern.clone(),
            },
        );
    }
    rules
}

/// Give each named constrained string's newtype a `JsonSchema` impl that keeps its rules.
///
/// progenitor makes `pub struct PersonName(String)` with `#[serde(transparent)]` and the derived
/// `schemars::JsonSchema`; for a transparent newtype schemars emits the inner `String`'s schema,
/// so `minLength`, `maxLength` and `pattern` vanish from every JSON Schema a user emits, and a
/// schema of `CreatePersonRequest` would accept a 500-character name or any `ssn`. The derive is
/// dropped from those newtypes and replaced by an impl carrying the spec's keywords, as a named
/// definition (`#/definitions/PersonName`). Validation at run time (the newtypes' `TryFrom`) is
/// progenitor's, untouched. Generation fails if a named constrained string has no such newtype,
/// so a progenitor change cannot silently undo this.
pub fn keep_string_constraints_in_json_schemas(spec: &OpenAPI, file: &mut syn::File) -> Result<()> {
    let mut rules = constrained_strings(spec);
    let types = file
        .items
        .iter_mut()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "types" => m.content.as_mut(),
            _ => None,
        })
        .map(|(_, items)| items)
        .context("progenitor output has no `mod types`")?;
    let mut impls: Vec<syn::Item> = Vec::new();
    for item in types.iter_mut() {
        let syn::Item::Struct(st) = item else {
            continue;
        };
        let name = st.ident.to_string();
        let Some(rule) = rules.remove(&name) else {
            continue;
        };
        let newtype_of_string = matches!(&st.fields, syn::Fields::Unnamed(f)
            if f.unnamed.len() == 1 && quote::ToTokens::to_token_stream(&f.unnamed[0].ty)
                .to_string()
                .ends_with("String"));
        if !newtype_of_string {
            bail!("constrained string `{name}` is not generated as a String newtype");
        }
        let mut dropped = false;
        for attr in st.attrs.iter_mut().filter(|a| a.path().is_ident("derive")) {
            let derives = attr.parse_args_with(
                syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
            )?;
            let before = derives.len();
            let kept: Vec<&syn::Path> = derives
                .iter()
                .filter(|p| p.segments.last().is_none_or(|s| s.ident != "JsonSchema"))
                .collect();
            dropped |= kept.len() != before;
            *attr = syn::parse_quote!(#[derive(#(#kept),*)]);
        }
        if !dropped {
            bail!("constrained string `{name}` no longer derives schemars::JsonSchema");
        }
        let ident = &st.ident;
        let opt_u32 = |v: Option<usize>| -> Result<_> {
            Ok(match v {
                Some(n) => {
                    let n = u32::try_from(n).context("length does not fit u32")?;
                    quote::quote!(::std::option::Option::Some(#n))
                }
                None => quote::quote!(::std::option::Option::None),
            })
        };
        let opt_string = |v: &Option<String>| match v {
            Some(s) => quote::quote!(::std::option::Option::Some(#s.to_owned())),
            None => quote::quote!(::std::option::Option::None),
        };
        let (min, max) = (opt_u32(rule.min_length)?, opt_u32(rule.max_length)?);
        let (pattern, description) = (opt_string(&rule.pattern), opt_string(&rule.description));
        impls.push(syn::parse_quote! {
            impl ::schemars::JsonSchema for #ident {
                fn schema_name() -> ::std::string::String {
                    #name.to_owned()
                }
                fn json_schema(
                    _: &mut ::schemars::r#gen::SchemaGenerator,
                ) -> ::schemars::schema::Schema {
                    ::schemars::schema::SchemaObject {
                        metadata: ::std::option::Option::Some(::std::boxed::Box::new(
                            ::schemars::schema::Metadata {
                                description: #description,
                                ..::std::default::Default::default()
                            },
                        )),
                        instance_type: ::std::option::Option::Some(
                            ::schemars::schema::InstanceType::String.into(),
                        ),
                        string: ::std::option::Option::Some(::std::boxed::Box::new(
                            ::schemars::schema::StringValidation {
                                max_length: #max,
                                min_length: #min,
                                pattern: #pattern,
                            },
                        )),
                        ..::std::default::Default::default()
                    }
                    .into()
                }
            }
        });
    }
    if let Some(name) = rules.keys().next() {
        bail!("constrained string `{name}` has no generated type");
    }
    types.extend(impls);
    Ok(())
}

/// The raw crate's feature that turns the JSON Schema derives on.
pub const JSON_SCHEMA_FEATURE: &str = "json-schema";

/// Put every `schemars::JsonSchema` derive and impl behind the `json-schema` feature.
///
/// progenitor (`with_derive`) can only add a derive unconditionally, and schemars with its derive
/// macro is a good part of what depending on the SDK costs a user's build. The raw crate has the
/// feature on by default; the facade leaves it off unless its own `json-schema` is asked for. Each derive list
/// loses `JsonSchema`, which comes back as `#[cfg_attr(feature = "json-schema", derive(..))]`;
/// each hand-made impl gets `#[cfg(feature = "json-schema")]`. Recurses into modules. Fails if
/// nothing was found, so a progenitor change cannot leave the derives unconditional unnoticed.
pub fn json_schema_behind_feature(items: &mut [syn::Item]) -> Result<()> {
    fn is_json_schema(p: &syn::Path) -> bool {
        p.segments.last().is_some_and(|s| s.ident == "JsonSchema")
    }
    fn gate_derives(attrs: &mut Vec<syn::Attribute>) -> Result<bool> {
        let feature = JSON_SCHEMA_FEATURE;
        let mut out = Vec::with_capacity(attrs.len() + 1);
        let mut gated = false;
        for attr in attrs.drain(..) {
            if !attr.path().is_ident("derive") {
                out.push(attr);
                continue;
            }
            let derives = attr.parse_args_with(
                syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
            )?;
            let (schema, kept): (Vec<_>, Vec<_>) = derives.into_iter().partition(is_json_schema);
            if schema.is_empty() {
                out.push(attr);
                continue;
            }
            if !kept.is_empty() {
                out.push(syn::parse_quote!(#[derive(#(#kept),*)]));
            }
            out.push(syn::parse_quote!(#[cfg_attr(feature = #feature, derive(#(#schema),*))]));
            gated = true;
        }
        *attrs = out;
        Ok(gated)
    }
    fn walk(items: &mut [syn::Item], count: &mut usize) -> Result<()> {
        let feature = JSON_SCHEMA_FEATURE;
        for item in items {
            match item {
                syn::Item::Struct(s) => *count += usize::from(gate_derives(&mut s.attrs)?),
                syn::Item::Enum(e) => *count += usize::from(gate_derives(&mut e.attrs)?),
                syn::Item::Impl(i) if i.trait_.as_ref().is_some_and(|(p, _)| is_json_schema(p)) => {
                    i.attrs.push(syn::parse_quote!(#[cfg(feature = #feature)]));
                    *count += 1;
                }
                syn::Item::Mod(m) => {
                    if let Some((_, inner)) = m.content.as_mut() {
                        walk(inner, count)?;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
    let mut count = 0;
    walk(items, &mut count)?;
    if count == 0 {
        bail!(
            "progenitor output has no JsonSchema derive or impl to put behind `{JSON_SCHEMA_FEATURE}`"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::codegen::generate_from_str;
    use crate::codegen::tests::spec;

    #[test]
    fn constrained_string_newtypes_carry_their_rules_into_json_schema() {
        let text = spec("explode: false").replace(
            "    Problem:\n",
            "    Code: {type: string, description: A code., maxLength: 3, pattern: '^[A-Z]+$'}\n    Problem:\n",
        );
        let code = generate_from_str(&text).unwrap();
        let start = code.find("pub struct Code(").expect("Code newtype");
        let derive = &code[code[..start].rfind("#[derive(").unwrap()..start];
        assert!(!derive.contains("JsonSchema"), "{derive}");
        let schema_impl = &code[code
            .find("impl ::schemars::JsonSchema for Code")
            .expect("hand-made JsonSchema impl")..];
        for want in [
            "\"Code\".to_owned()",
            "max_length: ::std::option::Option::Some(3u32)",
            "min_length: ::std::option::Option::None",
            "pattern: ::std::option::Option::Some(\"^[A-Z]+$\".to_owned())",
            "description: ::std::option::Option::Some(\"A code.\".to_owned())",
        ] {
            assert!(schema_impl.contains(want), "{want} not in {schema_impl}");
        }
        // Other types keep the derive.
        assert!(code.contains("schemars::JsonSchema"), "{code}");
    }

    #[test]
    fn json_schema_derives_and_impls_need_the_json_schema_feature() {
        let text = spec("explode: false").replace(
            "    Problem:\n",
            "    Code: {type: string, maxLength: 3}\n    Problem:\n",
        );
        let code = generate_from_str(&text).unwrap();
        let gated = "#[cfg_attr(feature = \"json-schema\", derive(schemars::JsonSchema))]";
        assert!(code.contains(gated), "{code}");
        // No derive list names JsonSchema unconditionally.
        for derive in code.split("#[derive(").skip(1) {
            let list = &derive[..derive.find(")]").unwrap()];
            assert!(!list.contains("JsonSchema"), "ungated derive: {list}");
        }
        let hand_made = code.find("impl ::schemars::JsonSchema for Code").unwrap();
        let before = code[..hand_made].trim_end();
        assert!(
            before.ends_with("#[cfg(feature = \"json-schema\")]"),
            "{}",
            &before[before.len() - 80..]
        );
    }
}
