//! The config file's parser never panics, and its errors never contain the key: every
//! `KEY` of the input is the key, so the fuzzer can put it anywhere (a setting's name,
//! a table, a value of the wrong type...).
#![no_main]

use std::path::Path;

use insighto::config::ConfigFile;
use libfuzzer_sys::fuzz_target;

const KEY: &str = "in-Zx9Vq2Lm8Tr4Wp6Ks1Hd3Fg5Jb7Nc0Yu2Ie4Oa6Rt8";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let text = text.replace("KEY", KEY);
    if let Err(e) = ConfigFile::parse(&text, Path::new("/config.toml")) {
        let shown = format!("{e} {e:?}");
        // The secret part: what matters, whatever prefix or escaping surrounds it.
        assert!(!shown.contains(&KEY[3..20]), "{shown}");
    }
});
