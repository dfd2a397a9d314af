//! What an update changed, as an event tells it: the fields of a view whose value differs,
//! with their values before the change.

use serde_json::{Map, Value};

/// Fields every write moves; a change to them alone is no change worth an event.
const BOOKKEEPING: [&str; 1] = ["last_updated_time"];

/// The fields of `after` (a view of the record, as answered) that differ from `before`, with
/// their `before` values (`null` for a field that was absent). Both views come from the same
/// renderer, so an SSN is already masked in both. `None` when nothing but bookkeeping changed.
pub(crate) fn changed_fields(before: &Value, after: &Value) -> Option<Map<String, Value>> {
    let (Some(before), Some(after)) = (before.as_object(), after.as_object()) else {
        return None;
    };
    let mut prior = Map::new();
    let keys = after
        .keys()
        .chain(before.keys().filter(|k| !after.contains_key(*k)));
    for key in keys {
        if BOOKKEEPING.contains(&key.as_str()) {
            continue;
        }
        let old = before.get(key).unwrap_or(&Value::Null);
        if after.get(key).unwrap_or(&Value::Null) != old {
            prior.insert(key.clone(), old.clone());
        }
    }
    (!prior.is_empty()).then_some(prior)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn only_changed_fields_with_their_prior_values() {
        let before = json!({"id": "a", "status": "PROSPECT", "email": "x@example.com",
            "last_updated_time": "t1", "ssn": "6789"});
        let after = json!({"id": "a", "status": "ACTIVE", "first_name": "Anne",
            "last_updated_time": "t2", "ssn": "6789"});
        let changed = changed_fields(&before, &after).unwrap();
        assert_eq!(
            Value::Object(changed),
            json!({"status": "PROSPECT", "first_name": null, "email": "x@example.com"})
        );
    }

    #[test]
    fn bookkeeping_alone_is_no_change() {
        let before = json!({"id": "a", "last_updated_time": "t1"});
        let after = json!({"id": "a", "last_updated_time": "t2"});
        assert_eq!(changed_fields(&before, &after), None);
    }
}
