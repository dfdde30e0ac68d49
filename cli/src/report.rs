//! What commands print: text for people, JSON for programs, and errors on stderr.

use bytesize::ByteSize;
use serde::Serialize;
use walrus_core::EncodingConfig;

use crate::progress::Progress;

/// Where and how command results are printed.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    json: bool,
}

impl Output {
    /// Text output, or JSON when `json`.
    pub fn new(json: bool) -> Self {
        Self { json }
    }

    /// Whether results are printed as JSON.
    pub fn is_json(&self) -> bool {
        self.json
    }

    /// Progress bars for this output mode.
    pub fn progress(&self) -> Progress {
        Progress::new(self.json)
    }

    /// Prints a result: `value` as JSON, or the text that `text` renders.
    pub fn print<T: Serialize>(&self, value: &T, text: impl FnOnce(&T) -> String) {
        self.write(value, text, serde_json::to_string_pretty);
    }

    /// Prints one event of a long-running command: `value` as one line of JSON (so that a
    /// script reads the events line by line), or the text that `text` renders.
    pub fn print_event<T: Serialize>(&self, value: &T, text: impl FnOnce(&T) -> String) {
        self.write(value, text, serde_json::to_string);
    }

    fn write<T: Serialize>(
        &self,
        value: &T,
        text: impl FnOnce(&T) -> String,
        json: fn(&T) -> serde_json::Result<String>,
    ) {
        if self.json {
            println!("{}", json(value).expect("reports serialize to JSON"));
        } else {
            print!("{}", text(value));
        }
    }

    /// Prints an error with its causes, as JSON on stdout in JSON mode.
    pub fn error(&self, error: &anyhow::Error) {
        let causes: Vec<String> = error.chain().skip(1).map(ToString::to_string).collect();
        if self.json {
            let value = serde_json::json!({ "error": error.to_string(), "causes": causes });
            println!("{value}");
        } else {
            eprintln!("error: {error}");
            for cause in causes {
                eprintln!("  caused by: {cause}");
            }
        }
    }
}

/// The encoding of a blob of a given size on a given number of shards.
#[derive(Debug, Clone, Serialize)]
pub struct EncodingParameters {
    /// Shards `n`.
    pub n_shards: usize,
    /// Faulty shards tolerated, `f`.
    pub max_faulty: usize,
    /// `p = n - 2f`: symbols per secondary sliver, primary slivers needed to read.
    pub primary_source_symbols: usize,
    /// `s = n - f`: symbols per primary sliver.
    pub secondary_source_symbols: usize,
    /// Unencoded size in bytes.
    pub unencoded_length: u64,
    /// Bytes per symbol.
    pub symbol_size: u32,
    /// Bytes of a primary sliver.
    pub primary_sliver_size: u64,
    /// Bytes of a secondary sliver.
    pub secondary_sliver_size: u64,
    /// Bytes of the metadata each shard stores.
    pub metadata_size: u64,
    /// Bytes the whole network stores (the size storage is paid for).
    pub encoded_length: u64,
    /// `encoded_length / unencoded_length` (absent for an empty blob).
    pub expansion: Option<f64>,
    /// `n (p + s) / (p s)`, the expansion of large blobs.
    pub asymptotic_expansion: f64,
    /// Largest blob at this shard count.
    pub max_blob_size: u64,
}

impl EncodingParameters {
    /// The parameters for `unencoded_length` bytes; fails when the blob is too large.
    pub fn new(
        config: &EncodingConfig,
        unencoded_length: u64,
    ) -> Result<Self, walrus_core::encoding::EncodingError> {
        let symbol_size = config.symbol_size(unencoded_length)?;
        let encoded_length = config.encoded_blob_length(unencoded_length)?;
        Ok(Self {
            n_shards: config.n_shards(),
            max_faulty: config.max_faulty(),
            primary_source_symbols: config.primary_source_symbols(),
            secondary_source_symbols: config.secondary_source_symbols(),
            unencoded_length,
            symbol_size,
            primary_sliver_size: config.primary_sliver_size(symbol_size),
            secondary_sliver_size: config.secondary_sliver_size(symbol_size),
            metadata_size: config.metadata_length(),
            encoded_length,
            expansion: (unencoded_length > 0)
                .then(|| encoded_length as f64 / unencoded_length as f64),
            asymptotic_expansion: config.expansion_factor(),
            max_blob_size: config.max_blob_size(),
        })
    }

    /// Human-readable lines.
    pub fn to_text(&self) -> String {
        let size = |bytes: u64| {
            if bytes < 1024 {
                format!("{bytes} B")
            } else {
                format!("{} ({bytes} B)", ByteSize(bytes))
            }
        };
        let expansion = self
            .expansion
            .map_or_else(|| "n/a (empty blob)".to_owned(), |x| format!("{x:.2}x"));
        format!(
            "shards (n):              {}\n\
             faulty tolerated (f):    {}\n\
             primary source (p):      {}\n\
             secondary source (s):    {}\n\
             unencoded size:          {}\n\
             symbol size:             {}\n\
             primary sliver:          {}\n\
             secondary sliver:        {}\n\
             metadata per shard:      {}\n\
             encoded size (all):      {}\n\
             expansion:               {expansion} (asymptotic {:.2}x)\n\
             max blob size:           {}\n",
            self.n_shards,
            self.max_faulty,
            self.primary_source_symbols,
            self.secondary_source_symbols,
            size(self.unencoded_length),
            size(u64::from(self.symbol_size)),
            size(self.primary_sliver_size),
            size(self.secondary_sliver_size),
            size(self.metadata_size),
            size(self.encoded_length),
            self.asymptotic_expansion,
            size(self.max_blob_size),
        )
    }
}
