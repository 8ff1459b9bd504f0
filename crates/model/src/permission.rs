//! What an API key may do, named as Sekoia names its permissions.

use std::fmt;
use std::str::FromStr;

/// One permission an API key carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    ReadAlerts,
    WriteAlerts,
    Symphony,
    ApiKeys,
    ReadIntakes,
    WriteIntakes,
    /// Installing modules runs their code on the server: a permission of its own.
    InstallModules,
}

impl Permission {
    pub const ALL: [Permission; 7] = [
        Permission::ReadAlerts,
        Permission::WriteAlerts,
        Permission::Symphony,
        Permission::ApiKeys,
        Permission::ReadIntakes,
        Permission::WriteIntakes,
        Permission::InstallModules,
    ];

    /// The name keys and requests use.
    pub const fn name(self) -> &'static str {
        match self {
            Permission::ReadAlerts => "SIC_READ_ALERTS",
            Permission::WriteAlerts => "SIC_WRITE_ALERTS",
            Permission::Symphony => "SYMPHONY",
            Permission::ApiKeys => "API_KEYS",
            Permission::ReadIntakes => "SIC_READ_INTAKES",
            Permission::WriteIntakes => "SIC_WRITE_INTAKES",
            Permission::InstallModules => "INSTALL_MODULES",
        }
    }

    const fn bit(self) -> u8 {
        1 << self as u8
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is no permission.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown permission `{0}`; use SIC_READ_ALERTS, SIC_WRITE_ALERTS, SYMPHONY, API_KEYS, SIC_READ_INTAKES, SIC_WRITE_INTAKES or INSTALL_MODULES"
)]
pub struct UnknownPermission(pub String);

impl FromStr for Permission {
    type Err = UnknownPermission;

    fn from_str(name: &str) -> Result<Permission, UnknownPermission> {
        Permission::ALL.into_iter().find(|p| p.name() == name).ok_or_else(|| UnknownPermission(name.to_string()))
    }
}

/// A set of permissions: what a key holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Permissions(u8);

impl Permissions {
    pub const ALL: Permissions = Permissions((1 << Permission::ALL.len()) - 1);

    pub fn holds(self, permission: Permission) -> bool {
        self.0 & permission.bit() != 0
    }

    /// Whether every permission of `other` is held here.
    pub fn covers(self, other: Permissions) -> bool {
        self.0 & other.0 == other.0
    }

    pub fn iter(self) -> impl Iterator<Item = Permission> {
        Permission::ALL.into_iter().filter(move |p| self.holds(*p))
    }

    /// The set of `names`; names of no permission are left out, so that a key stored by a
    /// server that knew more permissions grants only what this one knows.
    pub fn from_names<S: AsRef<str>>(names: &[S]) -> Permissions {
        names.iter().filter_map(|name| name.as_ref().parse().ok()).collect()
    }
}

impl FromIterator<Permission> for Permissions {
    fn from_iter<I: IntoIterator<Item = Permission>>(permissions: I) -> Self {
        Permissions(permissions.into_iter().fold(0, |bits, p| bits | p.bit()))
    }
}

impl From<Permission> for Permissions {
    fn from(permission: Permission) -> Self {
        Permissions(permission.bit())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_sets_hold_what_they_were_made_of() {
        for permission in Permission::ALL {
            assert_eq!(permission.name().parse::<Permission>(), Ok(permission));
        }
        assert!("sic_read_alerts".parse::<Permission>().is_err(), "names are exact");
        let set = Permissions::from_names(&["SYMPHONY", "SIC_READ_ALERTS", "LATER_PERMISSION"]);
        assert_eq!(set.iter().collect::<Vec<_>>(), [Permission::ReadAlerts, Permission::Symphony]);
        assert!(!set.holds(Permission::ApiKeys));
        assert!(Permissions::ALL.covers(set) && !set.covers(Permissions::ALL));
        assert!(set.covers(Permission::Symphony.into()));
    }
}
