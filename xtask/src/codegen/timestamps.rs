//! Generated `date-time` fields decode through `synctera_raw`'s own timestamp reader.
//!
//! Why: typify types a `format: date-time` string as `chrono::DateTime<Utc>`, which deserializes
//! through chrono's relaxed RFC 3339 parser, ~1.8k instructions per value (callgrind). A person
//! has two or three, so chrono was ~4k of the ~125k instructions a getPerson costs the raw client,
//! and a page of a hundred persons pays it a hundred times over. The raw crate's hand-written
//! `timestamps` module reads the one shape the API writes (`YYYY-MM-DDTHH:MM:SS[.fraction]Z`)
//! directly and hands every other string to chrono, so results and errors are chrono's.
//!
//! progenitor has no per-field serde setting, so this pass adds one to the generated structs:
//! every field typed `chrono::DateTime<Utc>` gets
//! `#[serde(deserialize_with = "crate::timestamps::deserialize")]`, and every
//! `Option<chrono::DateTime<Utc>>` gets `deserialize_option` plus `#[serde(default)]` (with a
//! `deserialize_with`, serde would otherwise reject a missing optional field). Field types,
//! serialization and JSON Schemas do not change. Generation fails if a deserializable struct
//! holds a timestamp in a shape this pass does not handle (it would silently decode slowly), or
//! if it finds no timestamp at all although the spec has `date-time` fields.

use anyhow::{Result, bail};
use openapiv3::OpenAPI;
use syn::visit_mut::VisitMut;

/// The generated type of a `date-time` string, as typify spells it.
const TIMESTAMP: &str = ":: chrono :: DateTime < :: chrono :: offset :: Utc >";
/// The same, optional.
const OPTIONAL_TIMESTAMP: &str =
    ":: std :: option :: Option < :: chrono :: DateTime < :: chrono :: offset :: Utc > >";

/// Point every generated `date-time` field of a deserializable struct at the raw crate's reader.
pub fn use_fast_timestamps(spec: &OpenAPI, file: &mut syn::File) -> Result<()> {
    let mut pass = Pass::default();
    pass.visit_file_mut(file);
    if let Some(unhandled) = pass.unhandled.first() {
        bail!(
            "a generated field holds a timestamp in a shape the timestamp pass does not handle: \
             {unhandled}"
        );
    }
    let spec_has_date_times = serde_json::to_string(spec)?.contains(r#""format":"date-time""#);
    if spec_has_date_times && pass.count == 0 {
        bail!("the spec has date-time fields but no generated field was typed as a timestamp");
    }
    Ok(())
}

#[derive(Default)]
struct Pass {
    count: usize,
    unhandled: Vec<String>,
}

impl VisitMut for Pass {
    fn visit_item_struct_mut(&mut self, item: &mut syn::ItemStruct) {
        if derives_deserialize(&item.attrs) {
            for field in item.fields.iter_mut() {
                let ty = &field.ty;
                let ty_tokens = quote::quote!(#ty).to_string();
                let attr: syn::Attribute = if ty_tokens == TIMESTAMP {
                    syn::parse_quote!(#[serde(deserialize_with = "crate::timestamps::deserialize")])
                } else if ty_tokens == OPTIONAL_TIMESTAMP {
                    if has_serde_default(&field.attrs) {
                        syn::parse_quote!(#[serde(deserialize_with = "crate::timestamps::deserialize_option")])
                    } else {
                        syn::parse_quote!(#[serde(default, deserialize_with = "crate::timestamps::deserialize_option")])
                    }
                } else {
                    if ty_tokens.contains("chrono :: DateTime") {
                        let name = field.ident.as_ref().map(ToString::to_string);
                        self.unhandled.push(format!(
                            "{}.{}: {ty_tokens}",
                            item.ident,
                            name.unwrap_or_default()
                        ));
                    }
                    continue;
                };
                field.attrs.push(attr);
                self.count += 1;
            }
        }
        syn::visit_mut::visit_item_struct_mut(self, item);
    }
}

/// Whether `#[derive(..)]` among `attrs` names `Deserialize`.
fn derives_deserialize(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        attr.path().is_ident("derive")
            && attr
                .parse_args_with(
                    syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
                )
                .is_ok_and(|paths| {
                    paths
                        .iter()
                        .any(|p| p.segments.last().is_some_and(|s| s.ident == "Deserialize"))
                })
    })
}

/// Whether a `#[serde(..)]` attribute among `attrs` already says `default`.
fn has_serde_default(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        let mut found = false;
        if attr.path().is_ident("serde") {
            let _ = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("default") {
                    found = true;
                }
                // Skip a value (`= "..."`) without reading it.
                if meta.input.peek(syn::Token![=]) {
                    let _: syn::Expr = meta.value()?.parse()?;
                }
                Ok(())
            });
        }
        found
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec_with_date_time() -> OpenAPI {
        serde_json::from_value(serde_json::json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {},
            "components": {"schemas": {"S": {"type": "object", "properties": {
                "at": {"type": "string", "format": "date-time"}
            }}}}
        }))
        .unwrap()
    }

    #[test]
    fn timestamp_fields_of_deserializable_structs_get_the_fast_reader() {
        let mut file: syn::File = syn::parse_quote! {
            #[derive(::serde::Deserialize, ::serde::Serialize)]
            pub struct Person {
                pub creation_time: ::chrono::DateTime<::chrono::offset::Utc>,
                #[serde(skip_serializing_if = "::std::option::Option::is_none")]
                pub verification_last_run: ::std::option::Option<::chrono::DateTime<::chrono::offset::Utc>>,
                #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
                pub seen: ::std::option::Option<::chrono::DateTime<::chrono::offset::Utc>>,
                pub name: ::std::string::String,
            }
            // A builder's fields are not deserialized.
            pub struct Builder {
                creation_time: ::std::result::Result<::chrono::DateTime<::chrono::offset::Utc>, ::std::string::String>,
            }
        };
        use_fast_timestamps(&spec_with_date_time(), &mut file).unwrap();
        let out = quote::quote!(#file).to_string();
        assert_eq!(
            out.matches("\"crate::timestamps::deserialize\"").count(),
            1,
            "{out}"
        );
        assert_eq!(
            out.matches("\"crate::timestamps::deserialize_option\"")
                .count(),
            2
        );
        // `default` added where the field had none, not doubled where it had one.
        assert_eq!(
            out.matches("serde (default , deserialize_with").count(),
            1,
            "{out}"
        );
        assert_eq!(out.matches("default").count(), 2, "{out}");
        assert!(!out.contains("name : :: std :: string :: String , # [serde"));
    }

    #[test]
    fn a_timestamp_in_another_shape_fails_generation() {
        let mut file: syn::File = syn::parse_quote! {
            #[derive(::serde::Deserialize)]
            pub struct Log {
                pub times: ::std::vec::Vec<::chrono::DateTime<::chrono::offset::Utc>>,
            }
        };
        let err = use_fast_timestamps(&spec_with_date_time(), &mut file).unwrap_err();
        assert!(err.to_string().contains("Log.times"), "{err}");
    }

    #[test]
    fn a_spec_with_date_times_but_no_timestamp_field_fails_generation() {
        let mut file: syn::File = syn::parse_quote! {
            #[derive(::serde::Deserialize)]
            pub struct S { pub at: ::std::string::String }
        };
        assert!(use_fast_timestamps(&spec_with_date_time(), &mut file).is_err());
    }
}
