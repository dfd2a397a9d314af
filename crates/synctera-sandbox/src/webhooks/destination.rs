//! Where a webhook may point: an `http`/`https` URL whose host is a loopback address, unless
//! the operator named the host (`--webhook-allow-host`). A sandbox shared by a team must not
//! become a way to reach the hosts around it, so the rule is checked when a webhook is created
//! or replaced and again before every attempt (the allowed hosts may change across restarts).

/// Why a URL is refused, in words that name the field and never repeat the URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Not an absolute `http` or `https` URL with a host.
    NotHttp,
    /// The host is neither loopback nor one the operator allowed.
    NotAllowed,
}

impl Refusal {
    /// The rule broken, to follow the field's name in a problem's detail.
    pub(crate) fn rule(&self) -> &'static str {
        match self {
            Refusal::NotHttp => "must be an absolute http or https URL with a host",
            Refusal::NotAllowed => {
                "this sandbox delivers only to loopback hosts (127.0.0.0/8, ::1, localhost) \
                 unless started with --webhook-allow-host naming the host"
            }
        }
    }
}

/// Whether a delivery to `url` is allowed, given the hosts the operator opted in to. The URL is
/// read by the same parser the delivery client uses, so the host checked is the host reached.
pub(crate) fn check(url: &str, allowed_hosts: &[String]) -> Result<(), Refusal> {
    let parsed = reqwest::Url::parse(url).map_err(|_| Refusal::NotHttp)?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Refusal::NotHttp);
    }
    // IPv6 hosts come bracketed; the parser has already normalized every IP spelling
    // (`127.1`, `0x7f.0.0.1`, `2130706433`) to its usual form.
    let host = parsed
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or(Refusal::NotHttp)?;
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = match bare.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host == "localhost",
    };
    if loopback || allowed_hosts.iter().any(|h| h.eq_ignore_ascii_case(bare)) {
        Ok(())
    } else {
        Err(Refusal::NotAllowed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts_are_allowed_by_default() {
        for url in [
            "http://127.0.0.1:8080/hooks",
            "http://127.9.8.7/",
            "https://[::1]:9000/x?y=1",
            "http://localhost:3000",
            "HTTP://LOCALHOST/a",
            "http://127.1/",
            "http://2130706433/",
            "http://user:pw@127.0.0.1:1/",
        ] {
            assert_eq!(check(url, &[]), Ok(()), "{url}");
        }
    }

    #[test]
    fn other_hosts_are_refused_unless_named_by_the_operator() {
        for url in [
            "http://10.0.0.1/",
            "http://192.168.1.20:8080/",
            "http://169.254.169.254/latest/meta-data",
            "https://hooks.example.com/synctera",
            "http://[fe80::1]/",
            "http://0.0.0.0/",
            "http://localhost.example.com/",
            "http://127.0.0.1@10.0.0.1/",
            "http://10.0.0.1\\@127.0.0.1/",
            "http://2130706433.example/",
            "http://[::ffff:10.0.0.1]/",
            // Read as host `path` by the URL standard: a name, not loopback.
            "http:///path",
        ] {
            assert_eq!(check(url, &[]), Err(Refusal::NotAllowed), "{url}");
        }
        let allowed = vec!["hooks.example.com".to_string(), "10.0.0.1".to_string()];
        assert_eq!(
            check("https://hooks.example.com/synctera", &allowed),
            Ok(())
        );
        assert_eq!(check("http://10.0.0.1:81/", &allowed), Ok(()));
        assert_eq!(
            check("http://other.example.com/", &allowed),
            Err(Refusal::NotAllowed)
        );
    }

    #[test]
    fn only_absolute_http_urls_with_a_host_are_urls() {
        for url in [
            "ftp://127.0.0.1/",
            "file:///etc/passwd",
            "127.0.0.1:8080",
            "http://",
            "javascript:alert(1)",
            "mailto:a@127.0.0.1",
            "",
        ] {
            assert_eq!(check(url, &[]), Err(Refusal::NotHttp), "{url:?}");
        }
    }
}
