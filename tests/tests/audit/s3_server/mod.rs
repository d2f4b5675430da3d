//! A real S3-compatible server (s3s over a folder, s3s-fs) on 127.0.0.1, in process, for tests and
//! benchmarks: `cargo test` needs no setup. It speaks S3 over HTTP with signature checks, so the client
//! under test runs exactly as it would against S3.

#![allow(dead_code)] // each test binary and benchmark uses part of this module

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder as ConnBuilder;
use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;
use std::path::{Path, PathBuf};
use tokio::runtime::Runtime;

pub const ACCESS_KEY: &str = "oxutils-test-key";
pub const SECRET_KEY: &str = "oxutils-test-secret-0123456789";
pub const BUCKET: &str = "oxutils-test";

/// A running server; dropping it (or [`stop`](S3Server::stop)) closes every connection at once, as a
/// server that goes away would.
pub struct S3Server {
    pub endpoint: String,
    pub root: PathBuf,
    runtime: Option<Runtime>,
}

impl S3Server {
    /// A server over a new empty folder, with the bucket [`BUCKET`].
    pub fn start() -> S3Server {
        let root = fresh_folder();
        std::fs::create_dir_all(root.join(BUCKET)).expect("bucket folder");
        S3Server::serve(root)
    }

    /// A server over an existing folder (its subfolders are the buckets), on a new port.
    pub fn serve(root: PathBuf) -> S3Server {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime for the S3 server");
        let filesystem = s3s_fs::FileSystem::new(&root).expect("an s3s-fs root");
        let service = {
            let mut builder = S3ServiceBuilder::new(filesystem);
            builder.set_auth(SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
            builder.build()
        };
        let listener =
            runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).expect("a port on 127.0.0.1");
        let endpoint = format!("http://{}", listener.local_addr().expect("the bound address"));
        runtime.spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let service = service.clone();
                tokio::spawn(async move {
                    let connection = ConnBuilder::new(TokioExecutor::new());
                    let _ = connection.serve_connection(TokioIo::new(socket), service).await;
                });
            }
        });
        S3Server { endpoint, root, runtime: Some(runtime) }
    }

    /// Stops at once: the listener and every open connection close mid-request.
    pub fn stop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }

    /// The object's file on the server's disk.
    pub fn object_path(&self, bucket: &str, object_key: &str) -> PathBuf {
        self.root.join(bucket).join(object_key)
    }

    /// The settings variables that point oxutils at this server, with log storage on S3.
    pub fn log_vars(&self, service: &str) -> Vec<(String, String)> {
        [
            ("OXI_SERVICE_NAME", service),
            ("OXI_USE_LOG_S3", "true"),
            ("OXI_LOG_S3_STORAGE_BUCKET_NAME", BUCKET),
            ("OXI_LOG_S3_ACCESS_KEY_ID", ACCESS_KEY),
            ("OXI_LOG_S3_SECRET_ACCESS_KEY", SECRET_KEY),
            ("OXI_S3_ENDPOINT_URL", &self.endpoint),
        ]
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value.to_owned()))
        .collect()
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn fresh_folder() -> PathBuf {
    static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let root = std::env::temp_dir().join(format!("oxutils_s3_{}_{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    root
}

/// Every file under `folder`, relative to it, sorted: what the server really holds.
pub fn files_under(folder: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![folder.to_path_buf()];
    while let Some(next) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&next) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                found.push(path.strip_prefix(folder).unwrap_or(&path).to_string_lossy().into_owned());
            }
        }
    }
    found.sort();
    found
}
