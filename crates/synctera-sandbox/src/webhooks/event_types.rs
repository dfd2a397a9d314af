//! Event types: the explicit ones and the wildcards a webhook may subscribe to, and which
//! events a subscription receives.

/// The explicit event types of the spec's `WebhookEventType` (Synctera's v0.153.0 list).
pub(crate) const EXPLICIT: [&str; 45] = [
    "ACCOUNT.CREATED",
    "ACCOUNT.UPDATED",
    "ACH.INCOMING.FUTURE_DATED",
    "APPLICATION.CREATED",
    "APPLICATION.UPDATED",
    "BUSINESS.CREATED",
    "BUSINESS.UPDATED",
    "BUSINESS.VERIFICATION_OUTCOME.UPDATED",
    "CARD.CREATED",
    "CARD.DIGITALWALLETTOKEN.CREATED",
    "CARD.DIGITALWALLETTOKEN.UPDATED",
    "CARD.IMAGE.UPDATED",
    "CARD.THREE_DS.AUTHENTICATION",
    "CARD.THREE_DS.DECISION",
    "CARD.UPDATED",
    "CASE.CREATED",
    "CASE.UPDATED",
    "CASH_PICKUP.CREATED",
    "CASH_PICKUP.UPDATED",
    "CREDIT_SCORE.CREATED",
    "CUSTOMER.CREATED",
    "CUSTOMER.KYC_OUTCOME.UPDATED",
    "CUSTOMER.UPDATED",
    "EXTERNAL_CARD.CREATED",
    "EXTERNAL_CARD.DELETED",
    "EXTERNAL_CARD.UPDATED",
    "EXTERNAL_CARD_TRANSFER.CREATED",
    "EXTERNAL_CARD_TRANSFER.UPDATED",
    "INTEREST.MONTHLY_PAYOUT",
    "INTERNAL_ACCOUNT.CREATED",
    "INTERNAL_ACCOUNT.UPDATED",
    "INTERNAL_TRANSFER.SUCCEEDED",
    "NOTE.CREATED",
    "NOTE.UPDATED",
    "PAYMENT_SCHEDULE.CREATED",
    "PAYMENT_SCHEDULE.PAYMENT.CREATED",
    "PAYMENT_SCHEDULE.UPDATED",
    "PERSON.CREATED",
    "PERSON.UPDATED",
    "PERSON.VERIFICATION_OUTCOME.UPDATED",
    "STATEMENT.CREATED",
    "TRANSACTION.PENDING.CREATED",
    "TRANSACTION.PENDING.UPDATED",
    "TRANSACTION.POSTED.CREATED",
    "TRANSACTION.POSTED.UPDATED",
];

/// The wildcards of `WebhookEventType`: `RESOURCE.*` names every event of that resource.
pub(crate) const WILDCARDS: [&str; 18] = [
    "ACCOUNT.*",
    "ACH.*",
    "APPLICATION.*",
    "BUSINESS.*",
    "CARD.*",
    "CASE.*",
    "CASH_PICKUP.*",
    "CREDIT_SCORE.*",
    "CUSTOMER.*",
    "EXTERNAL_CARD.*",
    "EXTERNAL_CARD_TRANSFER.*",
    "INTEREST.*",
    "INTERNAL_TRANSFER.*",
    "NOTE.*",
    "PAYMENT_SCHEDULE.*",
    "PERSON.*",
    "STATEMENT.*",
    "TRANSACTION.*",
];

pub(crate) const PERSON_CREATED: &str = "PERSON.CREATED";
pub(crate) const PERSON_UPDATED: &str = "PERSON.UPDATED";
pub(crate) const PERSON_OUTCOME: &str = "PERSON.VERIFICATION_OUTCOME.UPDATED";
pub(crate) const CUSTOMER_CREATED: &str = "CUSTOMER.CREATED";
pub(crate) const CUSTOMER_UPDATED: &str = "CUSTOMER.UPDATED";
pub(crate) const CUSTOMER_OUTCOME: &str = "CUSTOMER.KYC_OUTCOME.UPDATED";

/// Whether `name` is an event type a webhook may subscribe to (explicit or wildcard).
pub(crate) fn is_subscribable(name: &str) -> bool {
    EXPLICIT.contains(&name) || WILDCARDS.contains(&name)
}

/// Whether `name` is an explicit event type (one an event can have).
pub(crate) fn is_explicit(name: &str) -> bool {
    EXPLICIT.contains(&name)
}

/// Whether a subscription to `enabled` receives an event of type `event`: listed as such, or
/// covered by the wildcard of its resource (the part before the first `.`), which also covers
/// types added later.
pub(crate) fn subscribed(enabled: &[String], event: &str) -> bool {
    let resource = event.split_once('.').map_or(event, |(r, _)| r);
    enabled.iter().any(|e| {
        e == event
            || e.strip_suffix(".*")
                .is_some_and(|wildcard| wildcard == resource)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn explicit_types_match_themselves_and_wildcards_their_resource() {
        let enabled = list(&["CUSTOMER.KYC_OUTCOME.UPDATED", "PERSON.*"]);
        assert!(subscribed(&enabled, "PERSON.CREATED"));
        assert!(subscribed(&enabled, "PERSON.VERIFICATION_OUTCOME.UPDATED"));
        assert!(subscribed(&enabled, "CUSTOMER.KYC_OUTCOME.UPDATED"));
        assert!(!subscribed(&enabled, "CUSTOMER.UPDATED"));
        assert!(!subscribed(&list(&[]), "PERSON.CREATED"));
    }

    #[test]
    fn a_wildcard_does_not_cover_a_resource_that_merely_shares_a_prefix() {
        // `EXTERNAL_CARD.*` and `CARD.*` are different resources.
        let enabled = list(&["CARD.*"]);
        assert!(subscribed(&enabled, "CARD.THREE_DS.DECISION"));
        assert!(!subscribed(&enabled, "EXTERNAL_CARD.CREATED"));
        assert!(!subscribed(
            &list(&["EXTERNAL_CARD.*"]),
            "EXTERNAL_CARD_TRANSFER.CREATED"
        ));
    }

    #[test]
    fn the_lists_match_the_spec() {
        let spec: serde_json::Value =
            serde_yaml_ng::from_str(include_str!("../../synctera.yaml")).unwrap();
        let values: Vec<&str> = spec["components"]["schemas"]["WebhookEventType"]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let ours: Vec<&str> = EXPLICIT.iter().chain(WILDCARDS.iter()).copied().collect();
        assert_eq!(values, ours);
        for t in [
            PERSON_CREATED,
            PERSON_UPDATED,
            PERSON_OUTCOME,
            CUSTOMER_CREATED,
            CUSTOMER_UPDATED,
            CUSTOMER_OUTCOME,
        ] {
            assert!(is_explicit(t), "{t}");
        }
        assert!(is_subscribable("NOTE.*") && !is_explicit("NOTE.*"));
        assert!(!is_subscribable("PERSON.DELETED"));
    }
}
