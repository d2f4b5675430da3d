//! Storage on S3 or an S3-compatible server, through aws-sdk-s3.
//!
//! The SDK is async; the storage interface is blocking, like the database layer. Each storage owns a small
//! tokio runtime and blocks on it, so it must not be used from inside another tokio runtime's task (run it
//! in `spawn_blocking` there).

use super::{ObjectWriter, Storage, StorageError, Stored, sanitize_key, unique_key};
use crate::conf::{BucketSettings, Secret, Settings};
use aws_sdk_s3::Client;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region, retry::RetryConfig, timeout::TimeoutConfig};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use std::fmt;
use std::io::{Read, Write};
use std::sync::OnceLock;
use std::time::Duration;
use tokio::runtime::Runtime;
use tokio::task::JoinHandle;

/// S3's smallest part but the last.
const MIN_PART_SIZE: usize = 5 * 1024 * 1024;
const DEFAULT_PART_SIZE: usize = 8 * 1024 * 1024;
/// How long `url` keeps a presigned URL valid (django-storages' default).
const DEFAULT_URL_EXPIRY: Duration = Duration::from_secs(3600);

/// Where a bucket is and how to reach it.
#[derive(Debug, Clone)]
pub struct S3Config {
    /// The bucket name.
    pub bucket: String,
    /// The prefix put before every key (`OXI_*_LOCATION`), without a trailing `/`; may be empty.
    pub location: String,
    /// The bucket's region.
    pub region: String,
    /// An S3-compatible server instead of AWS.
    pub endpoint_url: Option<String>,
    /// The access key id.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: Secret,
    /// A domain serving the bucket, for [`Storage::url`]: `https://<domain>/<location>/<key>`.
    pub custom_domain: Option<String>,
    /// `endpoint/bucket/key` rather than `bucket.endpoint/key`; what S3-compatible servers usually need.
    pub force_path_style: bool,
    /// The size of each part of a multipart upload: at most two parts are in memory at once.
    pub part_size: usize,
    /// How many times a request that failed for a reason worth retrying is sent in all (at least 1).
    pub max_attempts: u32,
}

impl S3Config {
    /// The configuration of a bucket from the settings: path-style addressing when an endpoint URL is set.
    pub fn from_settings(bucket: &BucketSettings, settings: &Settings) -> S3Config {
        S3Config {
            bucket: bucket.bucket.clone(),
            location: bucket.location.trim_matches('/').to_owned(),
            region: settings.s3_region.clone(),
            endpoint_url: settings.s3_endpoint_url.clone(),
            access_key_id: bucket.access_key_id.clone(),
            secret_access_key: bucket.secret_access_key.clone(),
            custom_domain: bucket.custom_domain.clone(),
            force_path_style: settings.s3_endpoint_url.is_some(),
            part_size: DEFAULT_PART_SIZE,
            max_attempts: settings.s3_max_attempts,
        }
    }
}

/// Objects in a bucket, under a location.
pub struct S3Storage {
    client: Client,
    runtime: Runtime,
    config: S3Config,
    /// Set once the bucket is known to exist and accept the credentials.
    bucket_checked: OnceLock<()>,
}

impl fmt::Debug for S3Storage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Storage").field("config", &self.config).finish_non_exhaustive()
    }
}

impl S3Storage {
    /// A client of the bucket; starts its own runtime, one worker thread, for the S3 SDK.
    pub fn new(mut config: S3Config) -> Result<S3Storage, StorageError> {
        config.part_size = config.part_size.max(MIN_PART_SIZE);
        config.location = config.location.trim_matches('/').to_owned();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("oxutils-s3")
            .enable_all()
            .build()
            .map_err(|error| StorageError::Unavailable(format!("cannot start the S3 client: {error}")))?;
        let credentials = Credentials::new(
            &config.access_key_id,
            config.secret_access_key.expose(),
            None,
            None,
            "oxutils settings",
        );
        let mut builder = aws_sdk_s3::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(config.region.clone()))
            .credentials_provider(credentials)
            .force_path_style(config.force_path_style)
            .timeout_config(TimeoutConfig::builder().connect_timeout(Duration::from_secs(10)).build())
            .retry_config(RetryConfig::standard().with_max_attempts(config.max_attempts.max(1)));
        if let Some(endpoint) = &config.endpoint_url {
            builder = builder.endpoint_url(endpoint);
        }
        let client = Client::from_conf(builder.build());
        Ok(S3Storage { client, runtime, config, bucket_checked: OnceLock::new() })
    }

    /// The configuration, as normalised by `new`.
    pub fn config(&self) -> &S3Config {
        &self.config
    }

    /// The object's key in the bucket: the location, then the sanitized key.
    fn object_key(&self, key: &str) -> Result<(String, String), StorageError> {
        let key = sanitize_key(key)?;
        let object_key = if self.config.location.is_empty() {
            key.clone()
        } else {
            format!("{}/{key}", self.config.location)
        };
        Ok((key, object_key))
    }

    /// Checks, once, that the bucket exists and takes the credentials, before the first upload or
    /// listing: some servers would otherwise create a missing bucket on the fly, and an error named
    /// after the bucket is clearer than one about the first object.
    fn check_bucket(&self, operation: &'static str, key: &str) -> Result<(), StorageError> {
        if self.bucket_checked.get().is_some() {
            return Ok(());
        }
        let request = self.client.head_bucket().bucket(&self.config.bucket).send();
        match self.runtime.block_on(request) {
            Ok(_) => {
                let _ = self.bucket_checked.set(());
                Ok(())
            }
            // A HEAD answer has no body: only its status tells what is wrong.
            Err(SdkError::ServiceError(service)) if service.raw().status().as_u16() == 404 => {
                Err(StorageError::S3 {
                    operation,
                    key: key.to_owned(),
                    problem: format!("bucket `{}` does not exist", self.config.bucket),
                })
            }
            Err(SdkError::ServiceError(service)) if service.raw().status().as_u16() == 403 => {
                Err(StorageError::S3 {
                    operation,
                    key: key.to_owned(),
                    problem: format!(
                        "the server refused access key `{}` to bucket `{}`; check the access key and secret",
                        self.config.access_key_id, self.config.bucket
                    ),
                })
            }
            Err(error) => Err(self.failure(operation, key, error)),
        }
    }

    /// A URL that lets anyone holding it download the object until it expires (at most 7 days).
    pub fn presigned_url(&self, key: &str, expires_in: Duration) -> Result<String, StorageError> {
        let (key, object_key) = self.object_key(key)?;
        let presigning = PresigningConfig::expires_in(expires_in).map_err(|error| StorageError::S3 {
            operation: "presign",
            key: key.clone(),
            problem: error.to_string(),
        })?;
        let request = self.runtime.block_on(
            self.client.get_object().bucket(&self.config.bucket).key(&object_key).presigned(presigning),
        );
        let request = request.map_err(|error| self.failure("presign", &key, error))?;
        Ok(request.uri().to_owned())
    }

    fn failure<E>(&self, operation: &'static str, key: &str, error: SdkError<E, HttpResponse>) -> StorageError
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        failure(&self.config, operation, key, error)
    }
}

/// The error in words: which bucket is missing, which access key was refused, which endpoint is
/// unreachable. The secret key is never part of it.
fn failure<E>(
    config: &S3Config,
    operation: &'static str,
    key: &str,
    error: SdkError<E, HttpResponse>,
) -> StorageError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let bucket = &config.bucket;
    let problem = match &error {
        SdkError::ServiceError(service) => {
            let code = service.err().code().unwrap_or("");
            let detail = service.err().message().map(|message| format!(": {message}")).unwrap_or_default();
            match code {
                "NoSuchKey" | "NotFound" => return StorageError::NotFound(key.to_owned()),
                "NoSuchBucket" => format!("bucket `{bucket}` does not exist"),
                "InvalidAccessKeyId"
                | "NotSignedUp"
                | "SignatureDoesNotMatch"
                | "AccessDenied"
                | "InvalidSecurity" => format!(
                    "the server refused access key `{}` to bucket `{bucket}` ({code}{detail}); \
                         check the access key and secret",
                    config.access_key_id
                ),
                "" => format!(
                    "the server answered HTTP {} for bucket `{bucket}`",
                    service.raw().status().as_u16()
                ),
                code => format!("{code}{detail} (bucket `{bucket}`)"),
            }
        }
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => format!(
            "cannot reach S3 at {}: {}",
            config.endpoint_url.as_deref().unwrap_or("the AWS endpoint"),
            error_chain(&error)
        ),
        _ => error_chain(&error),
    };
    StorageError::S3 { operation, key: key.to_owned(), problem }
}

/// An error and its causes, `: `-separated, without the SDK's debug dump.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text = format!("{text}: {cause_text}");
        }
        source = cause.source();
    }
    text
}

impl Storage for S3Storage {
    fn create(&self, key: &str) -> Result<Box<dyn ObjectWriter + '_>, StorageError> {
        let (key, object_key) = self.object_key(&unique_key(&sanitize_key(key)?))?;
        self.check_bucket("upload", &key)?;
        Ok(Box::new(S3Writer {
            storage: self,
            key,
            object_key,
            buffer: Vec::new(),
            size: 0,
            upload: None,
            failed: false,
        }))
    }

    fn open(&self, key: &str) -> Result<Box<dyn Read + '_>, StorageError> {
        let (key, object_key) = self.object_key(key)?;
        let request = self.client.get_object().bucket(&self.config.bucket).key(&object_key).send();
        let output = self.runtime.block_on(request).map_err(|error| self.failure("download", &key, error))?;
        Ok(Box::new(S3Reader { storage: self, key, body: output.body, chunk: bytes::Bytes::new() }))
    }

    fn delete(&self, key: &str) -> Result<(), StorageError> {
        // S3 deletes a missing key without complaint; say so, as the local storage does.
        if !self.exists(key)? {
            return Err(StorageError::NotFound(sanitize_key(key)?));
        }
        let (key, object_key) = self.object_key(key)?;
        let request = self.client.delete_object().bucket(&self.config.bucket).key(&object_key).send();
        self.runtime.block_on(request).map_err(|error| self.failure("delete", &key, error))?;
        Ok(())
    }

    fn exists(&self, key: &str) -> Result<bool, StorageError> {
        let (key, object_key) = self.object_key(key)?;
        let request = self.client.head_object().bucket(&self.config.bucket).key(&object_key).send();
        match self.runtime.block_on(request) {
            Ok(_) => Ok(true),
            Err(SdkError::ServiceError(service)) if service.err().is_not_found() => Ok(false),
            Err(error) => Err(self.failure("exists", &key, error)),
        }
    }

    fn list(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        let location = if self.config.location.is_empty() {
            String::new()
        } else {
            format!("{}/", self.config.location)
        };
        self.check_bucket("list", prefix)?;
        let mut keys = Vec::new();
        let mut continuation = None;
        loop {
            let request = self
                .client
                .list_objects_v2()
                .bucket(&self.config.bucket)
                .prefix(format!("{location}{prefix}"))
                .set_continuation_token(continuation.take())
                .send();
            let page = self.runtime.block_on(request).map_err(|error| self.failure("list", prefix, error))?;
            keys.extend(
                page.contents()
                    .iter()
                    .filter_map(|object| object.key()?.strip_prefix(&location).map(str::to_owned)),
            );
            match page.next_continuation_token() {
                Some(token) if page.is_truncated() == Some(true) => continuation = Some(token.to_owned()),
                _ => break,
            }
        }
        keys.sort();
        Ok(keys)
    }

    fn location(&self, key: &str) -> String {
        let object_key = self.object_key(key).map_or_else(|_| key.to_owned(), |(_, object_key)| object_key);
        format!("s3://{}/{object_key}", self.config.bucket)
    }

    fn url(&self, key: &str) -> Result<String, StorageError> {
        match &self.config.custom_domain {
            Some(domain) => {
                let (_, object_key) = self.object_key(key)?;
                let path = percent_encoding::utf8_percent_encode(&object_key, KEY_PATH);
                Ok(format!("https://{}/{path}", domain.trim_end_matches('/')))
            }
            None => self.presigned_url(key, DEFAULT_URL_EXPIRY),
        }
    }
}

/// What a key keeps as is in a URL path: unreserved characters and `/`.
const KEY_PATH: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'/').remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// A multipart upload under way.
struct Upload {
    id: String,
    parts: Vec<CompletedPart>,
    /// The part being sent while the next one fills: at most two parts are held in memory.
    in_flight: Option<JoinHandle<Result<CompletedPart, StorageError>>>,
}

/// Bytes gathered into parts of `part_size`; an object that fits in one part is sent with one PUT.
struct S3Writer<'a> {
    storage: &'a S3Storage,
    key: String,
    object_key: String,
    buffer: Vec<u8>,
    size: u64,
    upload: Option<Upload>,
    failed: bool,
}

impl S3Writer<'_> {
    /// Sends the full buffer as the next part, once the previous part has arrived.
    fn send_part(&mut self) -> Result<(), StorageError> {
        let storage = self.storage;
        let config = &storage.config;
        if self.upload.is_none() {
            let request =
                storage.client.create_multipart_upload().bucket(&config.bucket).key(&self.object_key).send();
            let output = storage
                .runtime
                .block_on(request)
                .map_err(|error| storage.failure("upload", &self.key, error))?;
            let id = output.upload_id().unwrap_or_default().to_owned();
            self.upload = Some(Upload { id, parts: Vec::new(), in_flight: None });
        }
        self.wait_for_part()?;
        let upload = self.upload.as_mut().expect("started above");
        let number = i32::try_from(upload.parts.len() + 1).unwrap_or(i32::MAX);
        let body = std::mem::replace(&mut self.buffer, Vec::with_capacity(config.part_size));
        let request = storage
            .client
            .upload_part()
            .bucket(&config.bucket)
            .key(&self.object_key)
            .upload_id(&upload.id)
            .part_number(number)
            .body(ByteStream::from(body))
            .send();
        let (key, config) = (self.key.clone(), config.clone());
        upload.in_flight = Some(storage.runtime.spawn(async move {
            match request.await {
                Ok(output) => {
                    Ok(CompletedPart::builder().set_e_tag(output.e_tag).part_number(number).build())
                }
                Err(error) => Err(failure(&config, "upload", &key, error)),
            }
        }));
        Ok(())
    }

    fn wait_for_part(&mut self) -> Result<(), StorageError> {
        let Some(upload) = self.upload.as_mut() else { return Ok(()) };
        let Some(in_flight) = upload.in_flight.take() else { return Ok(()) };
        let part = self.storage.runtime.block_on(in_flight).map_err(|error| StorageError::S3 {
            operation: "upload",
            key: self.key.clone(),
            problem: error.to_string(),
        })??;
        upload.parts.push(part);
        Ok(())
    }

    fn complete(&mut self) -> Result<(), StorageError> {
        let storage = self.storage;
        let config = &storage.config;
        if self.upload.is_none() {
            let body = ByteStream::from(std::mem::take(&mut self.buffer));
            let request = storage.client.put_object().bucket(&config.bucket).key(&self.object_key).body(body);
            storage
                .runtime
                .block_on(request.send())
                .map_err(|error| storage.failure("upload", &self.key, error))?;
            return Ok(());
        }
        if !self.buffer.is_empty() {
            self.send_part()?;
        }
        self.wait_for_part()?;
        let upload = self.upload.take().expect("checked above");
        let parts = CompletedMultipartUpload::builder().set_parts(Some(upload.parts)).build();
        let request = storage
            .client
            .complete_multipart_upload()
            .bucket(&config.bucket)
            .key(&self.object_key)
            .upload_id(&upload.id)
            .multipart_upload(parts)
            .send();
        let completed = storage.runtime.block_on(request);
        if let Err(error) = completed {
            self.upload = Some(Upload { id: upload.id, parts: Vec::new(), in_flight: None });
            return Err(storage.failure("upload", &self.key, error));
        }
        Ok(())
    }
}

impl Write for S3Writer<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if self.failed {
            return Err(std::io::Error::other("an earlier part of this upload failed"));
        }
        let room = self.storage.config.part_size - self.buffer.len();
        let taken = room.min(bytes.len());
        self.buffer.extend_from_slice(&bytes[..taken]);
        self.size += taken as u64;
        if self.buffer.len() == self.storage.config.part_size
            && let Err(error) = self.send_part()
        {
            self.failed = true;
            return Err(error.into_io());
        }
        Ok(taken)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl ObjectWriter for S3Writer<'_> {
    fn key(&self) -> &str {
        &self.key
    }

    fn finish(mut self: Box<Self>) -> Result<Stored, StorageError> {
        if self.failed {
            return Err(StorageError::S3 {
                operation: "upload",
                key: self.key.clone(),
                problem: "an earlier part of this upload failed".to_owned(),
            });
        }
        self.complete()?;
        Ok(Stored { key: std::mem::take(&mut self.key), size: self.size })
    }
}

impl Drop for S3Writer<'_> {
    /// An unfinished multipart upload is aborted, so that its parts neither show nor cost storage. If the
    /// server is gone this fails too; the parts were never an object, and S3 lifecycle rules can expire
    /// them.
    fn drop(&mut self) {
        let Some(upload) = self.upload.take() else { return };
        if let Some(in_flight) = upload.in_flight {
            in_flight.abort();
        }
        let storage = self.storage;
        let request = storage
            .client
            .abort_multipart_upload()
            .bucket(&storage.config.bucket)
            .key(&self.object_key)
            .upload_id(&upload.id)
            .send();
        let _ = storage.runtime.block_on(request);
    }
}

/// An object's body, read chunk by chunk as it arrives.
struct S3Reader<'a> {
    storage: &'a S3Storage,
    key: String,
    body: ByteStream,
    chunk: bytes::Bytes,
}

impl Read for S3Reader<'_> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        while self.chunk.is_empty() {
            match self.storage.runtime.block_on(self.body.try_next()) {
                Ok(Some(chunk)) => self.chunk = chunk,
                Ok(None) => return Ok(0),
                Err(error) => {
                    return Err(StorageError::S3 {
                        operation: "download",
                        key: self.key.clone(),
                        problem: error_chain(&error),
                    }
                    .into_io());
                }
            }
        }
        let taken = self.chunk.len().min(buffer.len());
        buffer[..taken].copy_from_slice(&self.chunk.split_to(taken));
        Ok(taken)
    }
}
