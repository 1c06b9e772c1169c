//! A sentinel's answer to `get-master-addr-by-name`, any bytes: read as
//! recdiag reads it, it is a master address only when it is one; the
//! master's URL, when one is built, parses, keeps the configured
//! password, user and database, and never shows the password masked.
#![no_main]
use libfuzzer_sys::fuzz_target;
use recdiag::config::{RedisTarget, mask_url};
use recdiag::probe::sentinel::{Answer, answer_of};

const SENTINEL_URL: &str = "redis+sentinel://ops:pw-Secret7@s1:26379,s2:26380/mymaster/2";

fuzz_target!(|data: &[u8]| {
    let Ok(value) = redis::parse_redis_value(data) else {
        return;
    };
    let Ok(reply) = redis::from_redis_value::<Option<(String, String)>>(value) else {
        return;
    };
    let answer = answer_of(reply);
    let Answer::Master(host, port) = &answer else {
        if let Answer::Failed(f) = &answer {
            assert!(f.to_string().len() < 200, "{f}");
        }
        return;
    };
    assert!(!host.is_empty() && host.len() <= 255 && *port > 0);
    let Ok(target) = RedisTarget::parse(SENTINEL_URL) else {
        panic!("the fixed sentinel URL did not parse");
    };
    let Some(spec) = &target.sentinel else {
        panic!("the fixed sentinel URL has no sentinel");
    };
    for tls in [false, true] {
        let Some(url) = spec.master_url(host, *port, tls) else {
            continue;
        };
        let parsed = url::Url::parse(&url).unwrap_or_else(|e| panic!("{url}: {e}"));
        assert_eq!(parsed.password(), Some("pw-Secret7"), "{url}");
        assert_eq!(parsed.username(), "ops", "{url}");
        assert_eq!(parsed.path(), "/2", "{url}");
        assert_eq!(parsed.port(), Some(*port), "{url}");
        assert!(RedisTarget::parse(&url).is_ok(), "{url}");
        assert!(!mask_url(&url).contains("pw-Secret7"), "{url}");
    }
});
