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

/// A stale temp file left world-readable next to the state file (by an older run, or by
/// someone else) must not be reused: the saved file is always owner-only.
#[cfg(unix)]
#[tokio::test]
async fn save_state_never_reuses_a_stale_world_readable_temp_file() {
    use std::os::unix::fs::PermissionsExt;
    let api = Api::new().await;
    api.post("/persons", full_person("123-45-6789"))
        .await
        .expect(201);
    let path = temp_path("stale-tmp");
    let stale = path.with_extension("tmp");
    std::fs::write(&stale, b"old").unwrap();
    std::fs::set_permissions(&stale, std::fs::Permissions::from_mode(0o644)).unwrap();
    api.sb.save_state(&path).unwrap();
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // Saving over an existing state file keeps it owner-only too.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    api.sb.save_state(&path).unwrap();
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // No temp files are left behind.
    let dir = path.parent().unwrap();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let leftovers = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.starts_with(&format!(".{name}")) && n.ends_with(".tmp")
        })
        .count();
    assert_eq!(leftovers, 0);
    std::fs::remove_file(&stale).unwrap();
    std::fs::remove_file(&path).unwrap();
}

#[tokio::test]
async fn start_with_state_serves_the_loaded_records_from_the_first_request() {
    let api = Api::new().await;
    let p = api.create_active("Ann", "Baker").await.id();
    let path = temp_path("start-with");
    api.sb.save_state(&path).unwrap();
    let sb = Sandbox::start_with_state(SandboxConfig::default(), &path)
        .await
        .unwrap();
    assert_eq!(sb.person_count(KEY), 1);
    let r = reqwest::Client::new()
        .get(format!("{}/persons/{p}", sb.base_url()))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // A missing file starts empty rather than failing.
    std::fs::remove_file(&path).unwrap();
    let sb = Sandbox::start_with_state(SandboxConfig::default(), &path)
        .await
        .unwrap();
    assert_eq!(sb.person_count(KEY), 0);
}
