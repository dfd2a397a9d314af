//! Operation rules: every operation has a unique `operationId`, a declared tag, a summary, and
//! documents the statuses every client must handle (409 on a POST answered 201, other than
//! `verify`).

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Finding, METHODS, seg};

pub(super) fn check_operations(spec: &Value, out: &mut Vec<Finding>) {
    let declared_tags: Vec<&str> = spec["tags"]
        .as_array()
        .map(|tags| tags.iter().filter_map(|t| t["name"].as_str()).collect())
        .unwrap_or_default();
    let mut seen_ids: BTreeMap<String, String> = BTreeMap::new();
    let Some(paths) = spec["paths"].as_object() else {
        out.push(Finding {
            pointer: "/paths".into(),
            message: "the spec has no paths".into(),
        });
        return;
    };
    for (path, item) in paths {
        for method in METHODS {
            let Some(op) = item.get(method) else {
                continue;
            };
            let ptr = format!("/paths/{}/{method}", seg(path));
            let mut finding = |suffix: &str, message: String| {
                out.push(Finding {
                    pointer: format!("{ptr}{suffix}"),
                    message,
                })
            };

            let op_id = op["operationId"].as_str().filter(|s| !s.is_empty());
            match op_id {
                None => finding("", "missing operationId".into()),
                Some(id) => {
                    if let Some(first) = seen_ids.insert(id.to_string(), ptr.clone()) {
                        finding(
                            "/operationId",
                            format!("operationId `{id}` is also used by {first}"),
                        );
                    }
                }
            }

            match op["tags"].as_array().filter(|t| !t.is_empty()) {
                None => finding("", "missing tags".into()),
                Some(tags) => {
                    for (i, tag) in tags.iter().enumerate() {
                        let name = tag.as_str().unwrap_or_default();
                        if !declared_tags.contains(&name) {
                            finding(
                                &format!("/tags/{i}"),
                                format!("tag `{name}` is not declared in the top-level `tags`"),
                            );
                        }
                    }
                }
            }

            if op["summary"].as_str().is_none_or(|s| s.trim().is_empty()) {
                finding("", "missing summary".into());
            }

            let mut required: Vec<&str> = vec!["400", "401", "403", "500"];
            if path.contains('{') {
                required.push("404");
            }
            let responses = op["responses"].as_object();
            // A POST that answers 201 makes something, so it can clash with what exists; one
            // that answers 200 or 204 (a trigger, a resend, a wipe) makes nothing to clash.
            let creates = responses.is_some_and(|r| r.contains_key("201"));
            if method == "post" && op_id != Some("verify") && creates {
                required.push("409");
            }
            for code in required {
                if !responses.is_some_and(|r| r.contains_key(code)) {
                    finding("/responses", format!("does not document a {code} response"));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use crate::lint::fixtures::{messages, yaml};

    const OK_RESPONSES: &str = "
        '201': {description: x}
        '400': {description: x}
        '401': {description: x}
        '403': {description: x}
        '404': {description: x}
        '409': {description: x}
        '500': {description: x}";

    fn one_op(method: &str, path: &str, op_id: &str, responses: &str) -> Value {
        yaml(&format!(
            "
openapi: 3.0.3
info: {{title: t, version: 1.0.0}}
tags: [{{name: T}}]
paths:
  {path}:
    {method}:
      operationId: {op_id}
      tags: [T]
      summary: s
      responses:{responses}
"
        ))
    }

    #[test]
    fn a_complete_operation_has_no_findings() {
        let spec = one_op("post", "/things/{id}", "createThing", OK_RESPONSES);
        assert_eq!(messages(&spec), Vec::<String>::new());
    }

    #[test]
    fn missing_statuses_are_reported_with_their_pointer() {
        let spec = one_op(
            "post",
            "/things/{id}",
            "createThing",
            "\n        '201': {description: x}",
        );
        let found = messages(&spec);
        for code in ["400", "401", "403", "404", "409", "500"] {
            let want = format!(
                "/paths/~1things~1{{id}}/post/responses: does not document a {code} response"
            );
            assert!(found.contains(&want), "{want} not in {found:#?}");
        }
    }

    #[test]
    fn only_creates_other_than_verify_need_409_and_id_less_paths_no_404() {
        let responses = "
        '400': {description: x}
        '401': {description: x}
        '403': {description: x}
        '500': {description: x}";
        let created = format!("{responses}\n        '201': {{description: x}}");
        assert!(messages(&one_op("post", "/things/verify", "verify", &created)).is_empty());
        let no_content = format!("{responses}\n        '204': {{description: x}}");
        assert!(messages(&one_op("post", "/wipe", "wipeThings", &no_content)).is_empty());
        let ok = format!("{responses}\n        '200': {{description: x}}");
        assert!(messages(&one_op("post", "/things/trigger", "triggerThing", &ok)).is_empty());
        assert!(messages(&one_op("get", "/things", "listThings", responses)).is_empty());
        assert_eq!(
            messages(&one_op("post", "/things", "createThing", &created)),
            vec!["/paths/~1things/post/responses: does not document a 409 response"]
        );
    }

    #[test]
    fn duplicate_ids_missing_summary_and_undeclared_tags_are_reported() {
        let spec = yaml(
            "
openapi: 3.0.3
info: {title: t, version: 1.0.0}
tags: [{name: T}]
paths:
  /a:
    get: {operationId: same, tags: [T], summary: s, responses: {}}
  /b:
    get: {operationId: same, tags: [Nope], responses: {}}
",
        );
        let found = messages(&spec);
        assert!(
            found.contains(
                &"/paths/~1b/get/operationId: operationId `same` is also used by /paths/~1a/get"
                    .to_string()
            ),
            "{found:#?}"
        );
        assert!(found.contains(&"/paths/~1b/get: missing summary".to_string()));
        assert!(
            found.contains(
                &"/paths/~1b/get/tags/0: tag `Nope` is not declared in the top-level `tags`"
                    .to_string()
            )
        );
    }
}
