//! Webhook event types: the explicit types Synctera raises and the wildcards a subscription
//! may name.

use crate::values::enums::wire_enum;

wire_enum! {
    /// The type of a webhook event (`type` of a delivery), or a wildcard such as `PERSON.*` in a
    /// subscription's `enabled_events`.
    ///
    /// One enum for both, as the API has: a wildcard never arrives as an event's type, and
    /// [`EventType::matches`] says whether a subscription's entry covers an event's type.
    EventType {
        /// `PERSON.CREATED`: a person was created.
        PersonCreated = "PERSON.CREATED",
        /// `PERSON.UPDATED`: a person was changed (update, patch or replace); the event carries
        /// the changed fields' prior values.
        PersonUpdated = "PERSON.UPDATED",
        /// `PERSON.VERIFICATION_OUTCOME.UPDATED`: a person's KYC outcome
        /// (`verification_status`) changed, e.g. from REVIEW to ACCEPTED days later.
        PersonVerificationOutcomeUpdated = "PERSON.VERIFICATION_OUTCOME.UPDATED",
        /// `CUSTOMER.CREATED`: a customer was created.
        CustomerCreated = "CUSTOMER.CREATED",
        /// `CUSTOMER.UPDATED`: a customer was changed; the event carries the changed fields'
        /// prior values.
        CustomerUpdated = "CUSTOMER.UPDATED",
        /// `CUSTOMER.KYC_OUTCOME.UPDATED`: a customer's KYC outcome (`kyc_status`) changed.
        CustomerKycOutcomeUpdated = "CUSTOMER.KYC_OUTCOME.UPDATED",
        /// `ACCOUNT.CREATED`.
        AccountCreated = "ACCOUNT.CREATED",
        /// `ACCOUNT.UPDATED`.
        AccountUpdated = "ACCOUNT.UPDATED",
        /// `ACH.INCOMING.FUTURE_DATED`.
        AchIncomingFutureDated = "ACH.INCOMING.FUTURE_DATED",
        /// `APPLICATION.CREATED`.
        ApplicationCreated = "APPLICATION.CREATED",
        /// `APPLICATION.UPDATED`.
        ApplicationUpdated = "APPLICATION.UPDATED",
        /// `BUSINESS.CREATED`.
        BusinessCreated = "BUSINESS.CREATED",
        /// `BUSINESS.UPDATED`.
        BusinessUpdated = "BUSINESS.UPDATED",
        /// `BUSINESS.VERIFICATION_OUTCOME.UPDATED`.
        BusinessVerificationOutcomeUpdated = "BUSINESS.VERIFICATION_OUTCOME.UPDATED",
        /// `CARD.CREATED`.
        CardCreated = "CARD.CREATED",
        /// `CARD.DIGITALWALLETTOKEN.CREATED`.
        CardDigitalWalletTokenCreated = "CARD.DIGITALWALLETTOKEN.CREATED",
        /// `CARD.DIGITALWALLETTOKEN.UPDATED`.
        CardDigitalWalletTokenUpdated = "CARD.DIGITALWALLETTOKEN.UPDATED",
        /// `CARD.IMAGE.UPDATED`.
        CardImageUpdated = "CARD.IMAGE.UPDATED",
        /// `CARD.THREE_DS.AUTHENTICATION`.
        CardThreeDsAuthentication = "CARD.THREE_DS.AUTHENTICATION",
        /// `CARD.THREE_DS.DECISION`.
        CardThreeDsDecision = "CARD.THREE_DS.DECISION",
        /// `CARD.UPDATED`.
        CardUpdated = "CARD.UPDATED",
        /// `CASE.CREATED`.
        CaseCreated = "CASE.CREATED",
        /// `CASE.UPDATED`.
        CaseUpdated = "CASE.UPDATED",
        /// `CASH_PICKUP.CREATED`.
        CashPickupCreated = "CASH_PICKUP.CREATED",
        /// `CASH_PICKUP.UPDATED`.
        CashPickupUpdated = "CASH_PICKUP.UPDATED",
        /// `CREDIT_SCORE.CREATED`.
        CreditScoreCreated = "CREDIT_SCORE.CREATED",
        /// `EXTERNAL_CARD.CREATED`.
        ExternalCardCreated = "EXTERNAL_CARD.CREATED",
        /// `EXTERNAL_CARD.DELETED`.
        ExternalCardDeleted = "EXTERNAL_CARD.DELETED",
        /// `EXTERNAL_CARD.UPDATED`.
        ExternalCardUpdated = "EXTERNAL_CARD.UPDATED",
        /// `EXTERNAL_CARD_TRANSFER.CREATED`.
        ExternalCardTransferCreated = "EXTERNAL_CARD_TRANSFER.CREATED",
        /// `EXTERNAL_CARD_TRANSFER.UPDATED`.
        ExternalCardTransferUpdated = "EXTERNAL_CARD_TRANSFER.UPDATED",
        /// `INTEREST.MONTHLY_PAYOUT`.
        InterestMonthlyPayout = "INTEREST.MONTHLY_PAYOUT",
        /// `INTERNAL_ACCOUNT.CREATED`.
        InternalAccountCreated = "INTERNAL_ACCOUNT.CREATED",
        /// `INTERNAL_ACCOUNT.UPDATED`.
        InternalAccountUpdated = "INTERNAL_ACCOUNT.UPDATED",
        /// `INTERNAL_TRANSFER.SUCCEEDED`.
        InternalTransferSucceeded = "INTERNAL_TRANSFER.SUCCEEDED",
        /// `NOTE.CREATED`.
        NoteCreated = "NOTE.CREATED",
        /// `NOTE.UPDATED`.
        NoteUpdated = "NOTE.UPDATED",
        /// `PAYMENT_SCHEDULE.CREATED`.
        PaymentScheduleCreated = "PAYMENT_SCHEDULE.CREATED",
        /// `PAYMENT_SCHEDULE.PAYMENT.CREATED`.
        PaymentSchedulePaymentCreated = "PAYMENT_SCHEDULE.PAYMENT.CREATED",
        /// `PAYMENT_SCHEDULE.UPDATED`.
        PaymentScheduleUpdated = "PAYMENT_SCHEDULE.UPDATED",
        /// `STATEMENT.CREATED`.
        StatementCreated = "STATEMENT.CREATED",
        /// `TRANSACTION.PENDING.CREATED`.
        TransactionPendingCreated = "TRANSACTION.PENDING.CREATED",
        /// `TRANSACTION.PENDING.UPDATED`.
        TransactionPendingUpdated = "TRANSACTION.PENDING.UPDATED",
        /// `TRANSACTION.POSTED.CREATED`.
        TransactionPostedCreated = "TRANSACTION.POSTED.CREATED",
        /// `TRANSACTION.POSTED.UPDATED`.
        TransactionPostedUpdated = "TRANSACTION.POSTED.UPDATED",
        /// `ACCOUNT.*`: a subscription to every `ACCOUNT.` event, including types added later.
        AnyAccount = "ACCOUNT.*",
        /// `ACH.*`: a subscription to every `ACH.` event, including types added later.
        AnyAch = "ACH.*",
        /// `APPLICATION.*`: every `APPLICATION.` event, including types added later.
        AnyApplication = "APPLICATION.*",
        /// `BUSINESS.*`: a subscription to every `BUSINESS.` event, including types added later.
        AnyBusiness = "BUSINESS.*",
        /// `CARD.*`: a subscription to every `CARD.` event, including types added later.
        AnyCard = "CARD.*",
        /// `CASE.*`: a subscription to every `CASE.` event, including types added later.
        AnyCase = "CASE.*",
        /// `CASH_PICKUP.*`: every `CASH_PICKUP.` event, including types added later.
        AnyCashPickup = "CASH_PICKUP.*",
        /// `CREDIT_SCORE.*`: every `CREDIT_SCORE.` event, including types added later.
        AnyCreditScore = "CREDIT_SCORE.*",
        /// `CUSTOMER.*`: a subscription to every `CUSTOMER.` event, including types added later.
        AnyCustomer = "CUSTOMER.*",
        /// `EXTERNAL_CARD.*`: every `EXTERNAL_CARD.` event, including types added later.
        AnyExternalCard = "EXTERNAL_CARD.*",
        /// `EXTERNAL_CARD_TRANSFER.*`: every `EXTERNAL_CARD_TRANSFER.` event, including types added later.
        AnyExternalCardTransfer = "EXTERNAL_CARD_TRANSFER.*",
        /// `INTEREST.*`: a subscription to every `INTEREST.` event, including types added later.
        AnyInterest = "INTEREST.*",
        /// `INTERNAL_TRANSFER.*`: every `INTERNAL_TRANSFER.` event, including types added later.
        AnyInternalTransfer = "INTERNAL_TRANSFER.*",
        /// `NOTE.*`: a subscription to every `NOTE.` event, including types added later.
        AnyNote = "NOTE.*",
        /// `PAYMENT_SCHEDULE.*`: every `PAYMENT_SCHEDULE.` event, including types added later.
        AnyPaymentSchedule = "PAYMENT_SCHEDULE.*",
        /// `PERSON.*`: a subscription to every `PERSON.` event, including types added later.
        AnyPerson = "PERSON.*",
        /// `STATEMENT.*`: a subscription to every `STATEMENT.` event, including types added later.
        AnyStatement = "STATEMENT.*",
        /// `TRANSACTION.*`: every `TRANSACTION.` event, including types added later.
        AnyTransaction = "TRANSACTION.*",
    }
}

impl EventType {
    /// Whether this is a wildcard (`FAMILY.*`), including one this SDK version does not know.
    pub fn is_wildcard(&self) -> bool {
        self.as_str().ends_with(".*")
    }

    /// The resource family: the part before the first `.` (`"PERSON"` for
    /// `PERSON.VERIFICATION_OUTCOME.UPDATED` and for `PERSON.*`).
    pub fn family(&self) -> &str {
        let s = self.as_str();
        s.split_once('.').map_or(s, |(family, _)| family)
    }

    /// Whether a subscription naming `self` receives events of type `event`: the same type, or
    /// `self` is the wildcard of `event`'s family. Works on the wire forms, so wildcards and
    /// types this SDK version does not know match too.
    ///
    /// ```
    /// use synctera::EventType;
    ///
    /// assert!(EventType::AnyPerson.matches(&EventType::PersonVerificationOutcomeUpdated));
    /// assert!(EventType::AnyPerson.matches(&EventType::Unknown("PERSON.DELETED".into())));
    /// assert!(!EventType::AnyExternalCard.matches(&EventType::ExternalCardTransferCreated));
    /// assert!(EventType::CustomerUpdated.matches(&EventType::CustomerUpdated));
    /// assert!(!EventType::CustomerUpdated.matches(&EventType::CustomerCreated));
    /// ```
    pub fn matches(&self, event: &EventType) -> bool {
        match self.as_str().strip_suffix('*') {
            Some(prefix) => event.as_str().starts_with(prefix) && !event.is_wildcard(),
            None => self == event,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_facts_sheet_counts_45_explicit_types_and_18_wildcards() {
        let wildcards = EventType::KNOWN.iter().filter(|t| t.is_wildcard()).count();
        assert_eq!((EventType::KNOWN.len() - wildcards, wildcards), (45, 18));
    }

    #[test]
    fn every_known_value_reads_back_as_itself_and_unknown_ones_are_kept() {
        for t in EventType::KNOWN {
            let wire = serde_json::to_string(t).unwrap();
            assert_eq!(&serde_json::from_str::<EventType>(&wire).unwrap(), t);
        }
        let later: EventType = serde_json::from_str("\"PERSON.ARCHIVED\"").unwrap();
        assert_eq!(later, EventType::Unknown("PERSON.ARCHIVED".into()));
        assert_eq!(later.family(), "PERSON");
    }

    #[test]
    fn every_explicit_type_has_its_family_wildcard_or_none() {
        for t in EventType::KNOWN.iter().filter(|t| !t.is_wildcard()) {
            let covering: Vec<_> = EventType::KNOWN.iter().filter(|w| w.matches(t)).collect();
            // Itself, plus at most its family's wildcard (INTERNAL_ACCOUNT has none).
            assert!(covering.contains(&t), "{t}");
            assert!(covering.len() <= 2, "{t}: {covering:?}");
            for w in covering.iter().filter(|w| w.is_wildcard()) {
                assert_eq!(w.family(), t.family(), "{t}");
            }
        }
        assert!(!EventType::AnyPerson.matches(&EventType::AnyPerson));
    }
}
