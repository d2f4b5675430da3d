//! Settings from OXI_* variables: defaults, every validation rule with its exact message, all problems at
//! once, and secrets kept out of every output.

use oxutils::UTILS_APPS;
use oxutils::conf::{LogStorage, Settings};

fn load(vars: &[(&str, &str)]) -> Result<Settings, oxutils::conf::ConfigError> {
    Settings::from_vars(vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())))
}

#[test]
fn nothing_set_means_local_storage() {
    let settings = load(&[]).unwrap();
    assert_eq!(settings.private_s3, None);
    assert_eq!(settings.log_storage, LogStorage::Local { directory: "media/oxi_logs".into() });
    assert_eq!(settings.s3_region, "us-east-1");
    assert_eq!(UTILS_APPS.iter().map(|app| app.label).collect::<Vec<_>>(), ["audit"]);
}

#[test]
fn dedicated_log_bucket_and_private_bucket() {
    let settings = load(&[
        ("OXI_SERVICE_NAME", "billing"),
        ("OXI_USE_PRIVATE_S3", "True"),
        ("OXI_PRIVATE_S3_STORAGE_BUCKET_NAME", "private-bucket"),
        ("OXI_PRIVATE_S3_ACCESS_KEY_ID", "AKIAPRIVATE"),
        ("OXI_PRIVATE_S3_SECRET_ACCESS_KEY", "private-secret-value"),
        ("OXI_PRIVATE_S3_CUSTOM_DOMAIN", "files.example.com"),
        ("OXI_USE_LOG_S3", "1"),
        ("OXI_LOG_S3_STORAGE_BUCKET_NAME", "log-bucket"),
        ("OXI_LOG_S3_ACCESS_KEY_ID", "AKIALOG"),
        ("OXI_LOG_S3_SECRET_ACCESS_KEY", "log-secret-value"),
        ("OXI_S3_ENDPOINT_URL", "http://127.0.0.1:9000"),
    ])
    .unwrap();
    let private = settings.private_s3.clone().unwrap();
    assert_eq!((private.bucket.as_str(), private.location.as_str()), ("private-bucket", "private"));
    assert_eq!(private.custom_domain.as_deref(), Some("files.example.com"));
    let LogStorage::S3(log) = &settings.log_storage else { panic!("logs on S3") };
    assert_eq!((log.bucket.as_str(), log.secret_access_key.expose()), ("log-bucket", "log-secret-value"));
    assert_eq!(settings.log_storage.prefix(&settings.service_name), "oxi_logs/billing/");
    let shown = format!("{settings:?}");
    assert!(!shown.contains("secret-value"), "secrets are redacted: {shown}");
    assert!(shown.contains("***"));
}

#[test]
fn private_bucket_reused_for_logs() {
    let settings = load(&[
        ("OXI_SERVICE_NAME", "billing"),
        ("OXI_USE_PRIVATE_S3", "true"),
        ("OXI_PRIVATE_S3_STORAGE_BUCKET_NAME", "private-bucket"),
        ("OXI_PRIVATE_S3_ACCESS_KEY_ID", "AKIAPRIVATE"),
        ("OXI_PRIVATE_S3_SECRET_ACCESS_KEY", "private-secret-value"),
        ("OXI_PRIVATE_S3_S3_CUSTOM_DOMAIN", "cdn.example.com"),
        ("OXI_USE_PRIVATE_S3_AS_LOG", "True"),
        ("OXI_LOG_S3_LOCATION", "audit_logs"),
    ])
    .unwrap();
    let LogStorage::S3(log) = &settings.log_storage else { panic!("logs on S3") };
    assert_eq!((log.bucket.as_str(), log.location.as_str()), ("private-bucket", "audit_logs"));
    assert_eq!(log.custom_domain.as_deref(), Some("cdn.example.com"));
}

#[test]
fn every_problem_is_reported_at_once_and_names_exactly_what_is_missing() {
    let error = load(&[
        ("OXI_USE_LOG_S3", "True"),
        ("OXI_LOG_S3_ACCESS_KEY_ID", "AKIALOG"),
        ("OXI_LOG_S3_SECRET_ACCESS_KEY", "log-secret-value"),
        ("OXI_USE_PRIVATE_S3_AS_LOG", "yes"),
        ("OXI_USE_PRIVATE_S3", "False"),
    ])
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "OXI_USE_PRIVATE_S3_AS_LOG must be True, False, true, false, 1 or 0, not `yes`\n\
         Missing required log S3 configuration: OXI_SERVICE_NAME, OXI_LOG_S3_STORAGE_BUCKET_NAME"
    );
    assert_eq!(
        error.problems[0],
        oxutils::conf::ConfigProblem::NotABoolean {
            variable: "OXI_USE_PRIVATE_S3_AS_LOG".into(),
            value: "yes".into()
        }
    );
    assert!(!error.to_string().contains("log-secret-value"));

    let error = load(&[("OXI_S3_MAX_ATTEMPTS", "0"), ("OXI_USE_PRIVATE_S3", "maybe")]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "OXI_USE_PRIVATE_S3 must be True, False, true, false, 1 or 0, not `maybe`\n\
         OXI_S3_MAX_ATTEMPTS must be a whole number of at least 1, not `0`"
    );
    assert!(load(&[("OXI_S3_MAX_ATTEMPTS", "three")]).is_err());

    let error = load(&[("OXI_USE_PRIVATE_S3_AS_LOG", "true"), ("OXI_SERVICE_NAME", "billing")]).unwrap_err();
    assert_eq!(error.problems, [oxutils::conf::ConfigProblem::LogOnPrivateWithoutPrivate]);
    assert_eq!(error.to_string(), "OXI_USE_PRIVATE_S3_AS_LOG requires OXI_USE_PRIVATE_S3=true");

    let error = load(&[("OXI_USE_PRIVATE_S3", "1"), ("OXI_PRIVATE_S3_ACCESS_KEY_ID", "AKIA")]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "Missing required private S3 configuration: OXI_PRIVATE_S3_STORAGE_BUCKET_NAME, OXI_PRIVATE_S3_SECRET_ACCESS_KEY"
    );
}
