//! The settings and the rules that check them.

use super::Secret;
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

/// What oxutils reads from the environment.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// `OXI_SERVICE_NAME`: log files go under `<log location>/<service name>/`.
    pub service_name: String,
    /// `OXI_USE_PRIVATE_S3` and its `OXI_PRIVATE_S3_*` settings; `None` when off.
    pub private_s3: Option<BucketSettings>,
    /// Where exported audit logs go.
    pub log_storage: LogStorage,
    /// `OXI_S3_REGION`, default `us-east-1`.
    pub s3_region: String,
    /// `OXI_S3_ENDPOINT_URL`: an S3-compatible server instead of AWS.
    pub s3_endpoint_url: Option<String>,
    /// `OXI_S3_MAX_ATTEMPTS`, default 3 (the AWS SDKs' standard retry mode): how many times a request
    /// that failed for a reason worth retrying (a throttle, a 5xx, a connection refused or reset) is sent
    /// in all, with a growing pause between tries. 1 sends each request once.
    pub s3_max_attempts: u32,
    /// `OXI_MEDIA_ROOT`, default `media`: the local directory used when S3 is off.
    pub media_root: PathBuf,
}

/// A bucket and the credentials to reach it.
#[derive(Debug, Clone, PartialEq)]
pub struct BucketSettings {
    /// The bucket name.
    pub bucket: String,
    /// The access key id.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: Secret,
    /// A domain that serves the bucket's objects, for their URLs.
    pub custom_domain: Option<String>,
    /// The key prefix of every object.
    pub location: String,
}

/// Where exported audit logs go.
#[derive(Debug, Clone, PartialEq)]
pub enum LogStorage {
    /// A folder under the media root (the embedded default).
    Local {
        /// The folder.
        directory: PathBuf,
    },
    /// A bucket: the private one (`OXI_USE_PRIVATE_S3_AS_LOG`) or a dedicated one (`OXI_LOG_S3_*`), under
    /// `<location>/<service name>/`.
    S3(BucketSettings),
}

impl LogStorage {
    /// The key prefix of log files: `<log location>/<service name>/`.
    pub fn prefix(&self, service_name: &str) -> String {
        match self {
            LogStorage::S3(bucket) => format!("{}/{service_name}/", bucket.location.trim_end_matches('/')),
            LogStorage::Local { .. } => format!("{DEFAULT_LOG_LOCATION}/{service_name}/"),
        }
    }
}

const DEFAULT_PRIVATE_LOCATION: &str = "private";
const DEFAULT_LOG_LOCATION: &str = "oxi_logs";
/// The AWS SDKs' standard retry mode: a request is sent at most three times.
const DEFAULT_S3_MAX_ATTEMPTS: u32 = 3;

/// Everything wrong with the settings, found in one pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// Each problem, naming the variables.
    pub problems: Vec<ConfigProblem>,
}

/// One thing wrong with the settings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigProblem {
    /// A flag that is not a boolean.
    #[error("{variable} must be True, False, true, false, 1 or 0, not `{value}`")]
    NotABoolean {
        /// The variable.
        variable: String,
        /// What it holds.
        value: String,
    },
    /// A count that is not a whole number of at least 1.
    #[error("{variable} must be a whole number of at least 1, not `{value}`")]
    NotAPositiveCount {
        /// The variable.
        variable: String,
        /// What it holds.
        value: String,
    },
    /// The private bucket as log storage, without the private bucket.
    #[error("OXI_USE_PRIVATE_S3_AS_LOG requires OXI_USE_PRIVATE_S3=true")]
    LogOnPrivateWithoutPrivate,
    /// The private S3 bucket is on and variables it needs are not set.
    #[error("Missing required private S3 configuration: {}", .missing.join(", "))]
    MissingPrivateS3 {
        /// The variables not set.
        missing: Vec<String>,
    },
    /// Log storage on S3 and variables it needs are not set.
    #[error("Missing required log S3 configuration: {}", .missing.join(", "))]
    MissingLogS3 {
        /// The variables not set.
        missing: Vec<String>,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.problems.iter().map(ToString::to_string).collect();
        f.write_str(&lines.join("\n"))
    }
}

impl std::error::Error for ConfigError {}

impl Settings {
    /// The settings of this process's environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Settings::from_vars(std::env::vars())
    }

    /// The settings these variables give; variables not named `OXI_*` are ignored.
    pub fn from_vars(vars: impl IntoIterator<Item = (String, String)>) -> Result<Self, ConfigError> {
        let vars: BTreeMap<String, String> = vars
            .into_iter()
            .filter(|(key, value)| key.starts_with("OXI_") && !value.trim().is_empty())
            .collect();
        let mut problems = Vec::new();
        let get = |key: &str| vars.get(key).map(|value| value.trim().to_owned());
        let mut flag = |key: &str| match get(key).as_deref() {
            None => false,
            Some("True" | "true" | "1") => true,
            Some("False" | "false" | "0") => false,
            Some(other) => {
                problems
                    .push(ConfigProblem::NotABoolean { variable: key.to_owned(), value: other.to_owned() });
                false
            }
        };
        let use_private = flag("OXI_USE_PRIVATE_S3");
        let use_log = flag("OXI_USE_LOG_S3");
        let private_as_log = flag("OXI_USE_PRIVATE_S3_AS_LOG");
        let s3_max_attempts = match get("OXI_S3_MAX_ATTEMPTS") {
            None => DEFAULT_S3_MAX_ATTEMPTS,
            Some(value) => match value.parse::<u32>() {
                Ok(count) if count >= 1 => count,
                _ => {
                    let variable = "OXI_S3_MAX_ATTEMPTS".to_owned();
                    problems.push(ConfigProblem::NotAPositiveCount { variable, value });
                    DEFAULT_S3_MAX_ATTEMPTS
                }
            },
        };
        if private_as_log && !use_private {
            problems.push(ConfigProblem::LogOnPrivateWithoutPrivate);
        }

        let bucket = |names: [&str; 3],
                      domains: &[&str],
                      location: (&str, &str)|
         -> Result<BucketSettings, Vec<String>> {
            let missing: Vec<String> =
                names.iter().filter(|name| get(name).is_none()).map(|name| (*name).to_owned()).collect();
            if !missing.is_empty() {
                return Err(missing);
            }
            Ok(BucketSettings {
                bucket: get(names[0]).unwrap_or_default(),
                access_key_id: get(names[1]).unwrap_or_default(),
                secret_access_key: Secret::new(get(names[2]).unwrap_or_default()),
                custom_domain: domains.iter().find_map(|name| get(name)),
                location: get(location.0).unwrap_or_else(|| location.1.to_owned()),
            })
        };
        let private_names = [
            "OXI_PRIVATE_S3_STORAGE_BUCKET_NAME",
            "OXI_PRIVATE_S3_ACCESS_KEY_ID",
            "OXI_PRIVATE_S3_SECRET_ACCESS_KEY",
        ];
        // The original documents the domain under both names; the first wins.
        let private_domains = ["OXI_PRIVATE_S3_S3_CUSTOM_DOMAIN", "OXI_PRIVATE_S3_CUSTOM_DOMAIN"];
        let private_s3 = if use_private {
            match bucket(
                private_names,
                &private_domains,
                ("OXI_PRIVATE_S3_LOCATION", DEFAULT_PRIVATE_LOCATION),
            ) {
                Ok(settings) => Some(settings),
                Err(missing) => {
                    problems.push(ConfigProblem::MissingPrivateS3 { missing });
                    None
                }
            }
        } else {
            None
        };

        let service_name = get("OXI_SERVICE_NAME");
        let media_root = PathBuf::from(get("OXI_MEDIA_ROOT").unwrap_or_else(|| "media".to_owned()));
        let log_location = get("OXI_LOG_S3_LOCATION").unwrap_or_else(|| DEFAULT_LOG_LOCATION.to_owned());
        let log_storage = if use_log || private_as_log {
            let mut missing: Vec<String> = Vec::new();
            if service_name.is_none() {
                missing.push("OXI_SERVICE_NAME".to_owned());
            }
            let bucket_settings = if private_as_log {
                private_s3.clone().map(|private| BucketSettings { location: log_location.clone(), ..private })
            } else {
                let names = [
                    "OXI_LOG_S3_STORAGE_BUCKET_NAME",
                    "OXI_LOG_S3_ACCESS_KEY_ID",
                    "OXI_LOG_S3_SECRET_ACCESS_KEY",
                ];
                match bucket(
                    names,
                    &["OXI_LOG_S3_CUSTOM_DOMAIN"],
                    ("OXI_LOG_S3_LOCATION", DEFAULT_LOG_LOCATION),
                ) {
                    Ok(settings) => Some(settings),
                    Err(more) => {
                        missing.extend(more);
                        None
                    }
                }
            };
            if !missing.is_empty() {
                problems.push(ConfigProblem::MissingLogS3 { missing });
            }
            bucket_settings.map(LogStorage::S3)
        } else {
            Some(LogStorage::Local { directory: media_root.join(&log_location) })
        };

        match log_storage {
            Some(log_storage) if problems.is_empty() => Ok(Settings {
                service_name: service_name.unwrap_or_else(|| "oxutils".to_owned()),
                private_s3,
                log_storage,
                s3_region: get("OXI_S3_REGION").unwrap_or_else(|| "us-east-1".to_owned()),
                s3_endpoint_url: get("OXI_S3_ENDPOINT_URL"),
                s3_max_attempts,
                media_root,
            }),
            _ => Err(ConfigError { problems }),
        }
    }
}
