//! Onboards one personal customer the way Synctera's "Create a personal customer" guide does:
//! create a prospect, record the REG_DD disclosure, activate with full details, run KYC, and read
//! the record back through `/persons` and `/customers` with the same id.
//!
//! ```text
//! cargo run -p synctera --example onboarding
//! ```
//!
//! Without `SYNCTERA_API_KEY` it starts the local sandbox in-process. With it, it talks to
//! `SYNCTERA_BASE_URL`, or Synctera's own sandbox when that is unset, and it refuses Synctera's
//! production API (it writes fixture data). It prints where it is going before sending anything. Every line it prints has
//! the PII masked; a failure prints the API's error and exits with status 1.

use std::process::ExitCode;

use synctera::{
    AddressInput, Client, DisclosureType, Error, NewDisclosure, NewPerson, Person, PersonUpdate,
    VerifyRequest,
};

/// Fixture data from the guide. The SSN's serial number decides the sandbox's KYC outcome
/// (anything but 0001–0004 is accepted).
const EMAIL: &str = "anne.baker@example.com";
const SSN: &str = "123-45-6789";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let (client, sandbox) = match connect().await {
        Ok(pair) => pair,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = onboard(&client).await;
    if let Some(sandbox) = sandbox {
        sandbox.shutdown().await;
    }
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err((step, error)) => {
            eprintln!("error: step {step} failed: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Builds the client: from the environment when a key is set, else against an in-process
/// sandbox.
async fn connect() -> Result<(Client, Option<synctera_sandbox::Sandbox>), String> {
    if std::env::var_os("SYNCTERA_API_KEY").is_some() {
        let client = Client::from_env().map_err(|e| e.to_string())?;
        // The flow creates a customer from fixture data and runs KYC on it: never in production.
        if client.environment() == Some(synctera::Environment::Production) {
            return Err(format!(
                "{} is Synctera's production API; this example writes fixture data \
                 (a customer with the guide's SSN), so it runs only against a sandbox",
                client.base_url()
            ));
        }
        println!("Synctera onboarding against {}", client.base_url());
        return Ok((client, None));
    }
    let sandbox = synctera_sandbox::Sandbox::start()
        .await
        .map_err(|e| format!("could not start the local sandbox: {e}"))?;
    let client = Client::builder()
        .api_key("onboarding-example-key")
        .base_url(sandbox.base_url())
        .build()
        .map_err(|e| e.to_string())?;
    println!(
        "Synctera onboarding against the in-process sandbox at {} (set SYNCTERA_API_KEY to use a real one)",
        client.base_url()
    );
    Ok((client, Some(sandbox)))
}

async fn onboard(client: &Client) -> Result<(), (u8, Error)> {
    // 1. A prospect: only an e-mail address is known so far.
    let prospect = client
        .persons()
        .create(NewPerson::prospect().email(EMAIL).is_customer(true))
        .await
        .map_err(|e| (1, e))?;
    println!(
        "1. Created prospect {}: status {}, verification {}, e-mail {}",
        prospect.id,
        prospect.status,
        prospect.verification_status,
        masked(&prospect.email),
    );

    // 2. The prospect acknowledges the REG_DD (Truth in Savings) disclosure.
    let disclosure = client
        .disclosures()
        .create(NewDisclosure::acknowledged(
            prospect.id,
            DisclosureType::RegDd,
            "1.0",
        ))
        .await
        .map_err(|e| (2, e))?;
    println!(
        "2. Recorded disclosure {}: {} version {} {} on {}",
        disclosure.id,
        disclosure.disclosure_type,
        disclosure.version,
        disclosure.event_type,
        disclosure.disclosure_date.format("%Y-%m-%d"),
    );

    // 3. Activate with the rest of the identification.
    let active = client
        .persons()
        .update(
            prospect.id,
            PersonUpdate::activate("Anne", "Baker")
                .chosen_name("Annie")
                .dob("2000-01-01")
                .phone_number("+12124567890")
                .ssn(SSN)
                .legal_address(AddressInput::us("50 Main St", "New York", "NY", "12345"))
                .shipping_address(AddressInput::us("99 Elm St", "San Antonio", "TX", "77777")),
        )
        .await
        .map_err(|e| (3, e))?;
    println!(
        "3. Activated {}: status {}, name {}, dob {}, phone {}, SSN {}, legal address {}",
        active.id,
        active.status,
        initials(&active),
        masked(&active.dob),
        masked(&active.phone_number),
        masked(&active.ssn),
        masked(&active.legal_address),
    );

    // 4. KYC, with the person's consent.
    let kyc = client
        .verifications()
        .verify(VerifyRequest::person(active.id).customer_consent(true))
        .await
        .map_err(|e| (4, e))?;
    let results: Vec<String> = kyc
        .verifications
        .iter()
        .map(|v| format!("{} {}", v.verification_type, v.result))
        .collect();
    println!(
        "4. KYC finished: verification status {} ({})",
        kyc.verification_status,
        results.join(", "),
    );

    // 5. Read the record back through both views, with the same id.
    let person = client.persons().get(active.id).await.map_err(|e| (5, e))?;
    let customer = client
        .customers()
        .get(active.id)
        .await
        .map_err(|e| (5, e))?;
    println!(
        "5. Read back {}: as a person status {} / verification {}; as a customer status {} / KYC {}; same record: {}",
        person.id,
        person.status,
        person.verification_status,
        customer.status,
        customer.kyc_status,
        if customer.id == person.id {
            "yes"
        } else {
            "no"
        },
    );
    Ok(())
}

/// Formats an optional PII value with its own masking `Display`.
fn masked<T: std::fmt::Display>(value: &Option<T>) -> String {
    value
        .as_ref()
        .map_or_else(|| "(none)".to_owned(), ToString::to_string)
}

/// "A. B. (goes by A.)": names are personal data too, so only initials are printed.
fn initials(person: &Person) -> String {
    let initial = |n: &Option<String>| {
        n.as_deref()
            .and_then(|n| n.chars().next())
            .map_or_else(|| "?".to_owned(), |c| format!("{c}."))
    };
    let mut out = format!(
        "{} {}",
        initial(&person.first_name),
        initial(&person.last_name)
    );
    if person.chosen_name.is_some() {
        out.push_str(&format!(" (goes by {})", initial(&person.chosen_name)));
    }
    out
}
