//! A readable summary of the generated client's public surface, for snapshot review.
//!
//! The whole of `generated.rs` is ten thousand lines of builder boilerplate; what a reviewer
//! needs to see when the spec or the generator changes is the API users program against:
//! each operation (method name, HTTP method and path, parameters with their Rust types, body,
//! success and error types) and each type (fields with types and wire names, enum variants with
//! their wire values, newtypes). The workspace tests snapshot this text with insta.

use std::fmt::Write as _;

use anyhow::{Context, Result};
use quote::ToTokens;
use syn::{Attribute, Fields, GenericArgument, Item, PathArguments, ReturnType, Type};

/// Render the public surface of generated client code.
pub fn render(generated: &str) -> Result<String> {
    let file = syn::parse_file(generated).context("parsing generated code")?;
    let mut ops = String::new();
    let mut types = String::new();

    let client_methods = file.items.iter().find_map(|item| match item {
        Item::Impl(imp) if imp.trait_.is_none() && type_name(&imp.self_ty) == "Client" => {
            let has_ops = imp.items.iter().any(|i| {
                matches!(i, syn::ImplItem::Fn(f) if matches!(f.sig.output, ReturnType::Type(..))
                    && doc(&f.attrs).contains("Sends a `"))
            });
            has_ops.then_some(imp)
        }
        _ => None,
    });
    let builders = find_mod(&file.items, "builder");

    if let Some(imp) = client_methods {
        for item in &imp.items {
            let syn::ImplItem::Fn(f) = item else { continue };
            let name = f.sig.ident.to_string();
            let docs = doc(&f.attrs);
            let route = docs
                .lines()
                .find_map(|l| l.trim().strip_prefix("Sends a `"))
                .map(|rest| rest.replace("` request to `", " ").replace('`', ""))
                .unwrap_or_else(|| "?".into());
            writeln!(ops, "{name}: {route}")?;
            let builder = ret_builder_name(&f.sig.output);
            if let (Some(builder), Some(mods)) = (builder, builders) {
                render_builder(&mut ops, mods, &builder)?;
            }
        }
    }

    if let Some(items) = find_mod(&file.items, "types") {
        for item in items {
            match item {
                Item::Struct(s) => {
                    let flags = if serde_attrs(&s.attrs).contains("deny_unknown_fields") {
                        " (deny_unknown_fields)"
                    } else {
                        ""
                    };
                    match &s.fields {
                        Fields::Named(named) => {
                            writeln!(types, "struct {}{flags}", s.ident)?;
                            for field in &named.named {
                                let ident = field.ident.as_ref().map(|i| i.to_string());
                                let ident = ident.unwrap_or_default();
                                let serde = serde_attrs(&field.attrs);
                                let wire = rename(&serde)
                                    .map(|r| format!(" (json \"{r}\")"))
                                    .unwrap_or_default();
                                let default = if serde.contains("default") {
                                    " = default"
                                } else {
                                    ""
                                };
                                writeln!(types, "  {ident}{wire}: {}{default}", ty(&field.ty))?;
                            }
                        }
                        Fields::Unnamed(unnamed) => {
                            let inner: Vec<String> =
                                unnamed.unnamed.iter().map(|f| ty(&f.ty)).collect();
                            writeln!(types, "newtype {}({}){flags}", s.ident, inner.join(", "))?;
                        }
                        Fields::Unit => writeln!(types, "struct {}{flags}", s.ident)?,
                    }
                }
                Item::Enum(e) => {
                    let serde = serde_attrs(&e.attrs);
                    let untagged = if serde.contains("untagged") {
                        " (untagged)"
                    } else {
                        ""
                    };
                    writeln!(types, "enum {}{untagged}", e.ident)?;
                    for v in &e.variants {
                        let wire = rename(&serde_attrs(&v.attrs))
                            .map(|r| format!(" = \"{r}\""))
                            .unwrap_or_default();
                        let payload = match &v.fields {
                            Fields::Unit => String::new(),
                            Fields::Unnamed(u) => format!(
                                "({})",
                                u.unnamed
                                    .iter()
                                    .map(|f| ty(&f.ty))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                            Fields::Named(n) => format!(
                                " {{ {} }}",
                                n.named
                                    .iter()
                                    .map(|f| format!(
                                        "{}: {}",
                                        f.ident
                                            .as_ref()
                                            .map(ToString::to_string)
                                            .unwrap_or_default(),
                                        ty(&f.ty)
                                    ))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        };
                        writeln!(types, "  {}{payload}{wire}", v.ident)?;
                    }
                }
                _ => {}
            }
        }
    }

    Ok(format!(
        "# Operations (Client methods)\n\n{ops}\n# Types (synctera_raw::types)\n\n{types}"
    ))
}

fn render_builder(out: &mut String, items: &[Item], builder: &str) -> Result<()> {
    for item in items {
        match item {
            Item::Struct(s) if s.ident == builder => {
                if let Fields::Named(named) = &s.fields {
                    for field in &named.named {
                        let name = field.ident.as_ref().map(ToString::to_string);
                        let name = name.unwrap_or_default();
                        if name == "client" {
                            continue;
                        }
                        // Builder fields are `Result<T, String>`: the error holds a deferred
                        // conversion failure; T is what the setter stores.
                        let inner = first_generic(&field.ty).unwrap_or_else(|| ty(&field.ty));
                        let inner = inner.replace("types::builder::", "types::");
                        let kind = if name == "body" { "body" } else { "param" };
                        writeln!(out, "  {kind} {name}: {inner}")?;
                    }
                }
            }
            Item::Impl(imp) if type_name(&imp.self_ty) == builder => {
                for i in &imp.items {
                    let syn::ImplItem::Fn(f) = i else { continue };
                    if f.sig.ident != "send" {
                        continue;
                    }
                    if let ReturnType::Type(_, t) = &f.sig.output {
                        let ret = ty(t);
                        writeln!(out, "  returns {ret}")?;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn find_mod<'a>(items: &'a [Item], name: &str) -> Option<&'a [Item]> {
    items.iter().find_map(|item| match item {
        Item::Mod(m) if m.ident == name => m.content.as_ref().map(|(_, items)| items.as_slice()),
        _ => None,
    })
}

fn type_name(t: &Type) -> String {
    match t {
        Type::Path(p) => p
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default(),
        _ => String::new(),
    }
}

fn ret_builder_name(output: &ReturnType) -> Option<String> {
    match output {
        ReturnType::Type(_, t) => Some(type_name(t)),
        ReturnType::Default => None,
    }
}

fn first_generic(t: &Type) -> Option<String> {
    let Type::Path(p) = t else { return None };
    let last = p.path.segments.last()?;
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    args.args.iter().find_map(|a| match a {
        GenericArgument::Type(t) => Some(ty(t)),
        _ => None,
    })
}

fn doc(attrs: &[Attribute]) -> String {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn serde_attrs(attrs: &[Attribute]) -> String {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("serde"))
        .map(|a| a.meta.to_token_stream().to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

fn rename(serde: &str) -> Option<String> {
    let rest = serde.split("rename = \"").nth(1)?;
    Some(rest.split('"').next()?.to_string())
}

/// A type as a reader writes it: `Option<Vec<types::BanStatus>>`, not
/// `:: std :: option :: Option < :: std :: vec :: Vec < types :: BanStatus > >`.
fn ty(t: &Type) -> String {
    let mut s: String = t.to_token_stream().to_string().split_whitespace().collect();
    for (long, short) in [
        ("::std::option::", ""),
        ("::std::string::", ""),
        ("::std::vec::", ""),
        ("::std::num::", ""),
        ("::std::result::", ""),
        ("::std::collections::", ""),
        ("::chrono::naive::", "chrono::"),
        ("::chrono::offset::", "chrono::"),
        ("::", ""),
    ] {
        if long == "::" {
            // Only a leading `::` (absolute path), wherever a path starts.
            s = s.replace("<::", "<").replace(",::", ",");
            s = s.strip_prefix("::").map(str::to_string).unwrap_or(s);
        } else {
            s = s.replace(long, short);
        }
    }
    // prettyplease keeps the trailing comma of a multi-line generic list.
    s.replace(",>", ">").replace(',', ", ")
}
