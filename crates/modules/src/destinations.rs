//! Where built-in modules may connect: an outbound policy of networks denied and, when it is
//! set, networks allowed only. Cloud metadata services are denied by default: a playbook that
//! can make requests must not read the machine's credentials from them.
//!
//! Every address is checked where it is known: a host name's addresses when it is resolved (all
//! of them refused: the request fails; some: only the others are tried), an address written in a
//! URL before the request and at each redirect. A proxy set in the environment is where
//! connections go: the policy then sees the proxy's address, not the destination's.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use ipnet::IpNet;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Cloud metadata services: AWS, GCP, Azure and Oracle (169.254.169.254), AWS ECS task metadata,
/// AWS over IPv6, Alibaba Cloud.
pub const METADATA_SERVICES: [&str; 4] =
    ["169.254.169.254/32", "169.254.170.2/32", "fd00:ec2::254/128", "100.100.100.200/32"];

/// The outbound policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destinations {
    /// When not empty, the only networks allowed.
    pub allow: Vec<IpNet>,
    /// Networks refused, whatever `allow` says.
    pub deny: Vec<IpNet>,
}

impl Default for Destinations {
    fn default() -> Self {
        Destinations { allow: Vec::new(), deny: METADATA_SERVICES.iter().map(|n| n.parse().expect("valid")).collect() }
    }
}

impl Destinations {
    /// Parses networks (`10.0.0.0/8`, `192.0.2.7`, `2001:db8::/32`), naming the one at fault.
    pub fn networks(items: &[String]) -> Result<Vec<IpNet>, String> {
        items
            .iter()
            .map(|item| {
                let item = item.trim();
                item.parse::<IpNet>()
                    .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("`{item}` is not an IP address or network (CIDR)"))
            })
            .collect()
    }

    /// Why `ip` is refused, if it is.
    pub fn refusal(&self, ip: IpAddr) -> Option<String> {
        let ip = canonical(ip);
        if let Some(net) = self.deny.iter().find(|n| n.contains(&ip)) {
            return Some(format!("{ip} is in {net}, which the outbound policy denies"));
        }
        if !self.allow.is_empty() && !self.allow.iter().any(|n| n.contains(&ip)) {
            return Some(format!("{ip} is outside the networks the outbound policy allows"));
        }
        None
    }

    /// Why a request to `url` is refused, if its host is an address the policy refuses.
    pub fn check_url(&self, url: &reqwest::Url) -> Result<(), String> {
        let host = url.host_str().unwrap_or_default();
        let Ok(ip) = host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() else { return Ok(()) };
        match self.refusal(ip) {
            Some(reason) => Err(format!("cannot connect to {url}: {reason}")),
            None => Ok(()),
        }
    }
}

/// An IPv4 address written as IPv6 (`::ffff:169.254.169.254`) is the IPv4 one.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The system's resolver, keeping only the addresses the policy allows.
#[derive(Debug, Clone)]
pub(crate) struct CheckedResolver(pub(crate) Arc<Destinations>);

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let destinations = self.0.clone();
        Box::pin(async move {
            let host = name.as_str().to_string();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let mut refusals = Vec::new();
            let kept: Vec<SocketAddr> = found
                .into_iter()
                .filter(|addr| match destinations.refusal(addr.ip()) {
                    Some(reason) => {
                        refusals.push(reason);
                        false
                    }
                    None => true,
                })
                .collect();
            if kept.is_empty() {
                let reason = refusals.first().cloned().unwrap_or_else(|| "no address".to_string());
                return Err(format!("cannot connect to {host}: {reason}").into());
            }
            Ok(Box::new(kept.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_services_are_denied_by_default() {
        let policy = Destinations::default();
        for ip in ["169.254.169.254", "::ffff:169.254.169.254", "fd00:ec2::254", "100.100.100.200"] {
            assert!(policy.refusal(ip.parse().unwrap()).is_some(), "{ip}");
        }
        assert_eq!(policy.refusal("192.0.2.1".parse().unwrap()), None);
        let url = reqwest::Url::parse("http://169.254.169.254/latest/meta-data/").unwrap();
        assert!(policy.check_url(&url).unwrap_err().contains("outbound policy denies"));
    }

    #[test]
    fn an_allow_list_admits_only_its_networks() {
        let allow = Destinations::networks(&["10.0.0.0/8".into(), "192.0.2.7".into()]).unwrap();
        let policy = Destinations { allow, ..Destinations::default() };
        assert_eq!(policy.refusal("10.1.2.3".parse().unwrap()), None);
        assert_eq!(policy.refusal("192.0.2.7".parse().unwrap()), None);
        assert!(policy.refusal("192.0.2.8".parse().unwrap()).unwrap().contains("outside"));
        assert!(Destinations::networks(&["10.0.0.0/33".into()]).unwrap_err().contains("`10.0.0.0/33`"));
    }
}
