//! Saving and loading a state file.
mod common;

use common::*;
use serde_json::json;

fn temp_path(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!(
        "synctera-sandbox-{name}-{}.json",
        uuid::Uuid::new_v4()
    ))
}

#[tokio::test]
async fn state_round_trips_through_a_file() {
    let api = Api::new().await;
    let p = api.create_kyc_ready("123-45-0002").await.id();
    let d = api
        .post("/disclosures", json!({"person_id": p, "type": "E_SIGN", "version": "1.0", "event_type": "ACKNOWLEDGED", "disclosure_date": "2024-02-03T04:05:06Z"}))
        .await
        .id();
    api.post(
        "/verifications/verify",
        json!({"customer_consent": true, "person_id": p}),
    )
    .await
    .expect(201);
    api.as_key("second")
        .post(
            "/persons",
            json!({"status": "PROSPECT", "is_customer": false}),
        )
        .await
        .expect(201);
    let before: Vec<Vec<u8>> = vec![
        api.get(&format!("/persons/{p}")).await.raw,
        api.get(&format!("/customers/{p}")).await.raw,
        api.get(&format!("/disclosures/{d}")).await.raw,
        api.get("/verifications?include_history=true").await.raw,
        api.get("/persons?sort_by=last_name:asc").await.raw,
    ];
    let path = temp_path("roundtrip");
    api.sb.save_state(&path).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    let api2 = Api::new().await;
    api2.sb.load_state(&path).unwrap();
    let after: Vec<Vec<u8>> = vec![
        api2.get(&format!("/persons/{p}")).await.raw,
        api2.get(&format!("/customers/{p}")).await.raw,
        api2.get(&format!("/disclosures/{d}")).await.raw,
        api2.get("/verifications?include_history=true").await.raw,
        api2.get("/persons?sort_by=last_name:asc").await.raw,
    ];
    assert_eq!(before, after);
    assert_eq!(api2.sb.person_count("second"), 1);
    // The restored record keeps working: KYC runs again on the stored SSN.
    let v = api2
        .post(
            "/verifications/verify",
            json!({"customer_consent": true, "person_id": p}),
        )
        .await;
    assert_eq!(v.expect(201)["verification_status"], "REVIEW");
    std::fs::remove_file(&path).unwrap();
}

#[tokio::test]
async fn a_broken_state_file_is_invalid_data_without_its_content() {
    let api = Api::new().await;
    let path = temp_path("broken");
    std::fs::write(
        &path,
        b"{\"version\": 1, \"tenants\": {\"x\": 123-45-6789}}",
    )
    .unwrap();
    let err = api.sb.load_state(&path).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    assert!(!err.to_string().contains("123-45-6789"), "{err}");
    std::fs::write(&path, b"{\"version\": 99, \"tenants\": {}}").unwrap();
    assert_eq!(
        api.sb.load_state(&path).unwrap_err().kind(),
        std::io::ErrorKind::InvalidData
    );
    std::fs::remove_file(&path).unwrap();
    assert_eq!(
        api.sb.load_state(&path).unwrap_err().kind(),
        std::io::ErrorKind::NotFound
    );
}
