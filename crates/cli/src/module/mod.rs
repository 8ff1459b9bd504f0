//! `riposte module new | generate | install`: an integrator's path from an empty folder to a
//! module the server runs.

mod bench;
mod files;
mod generate;
mod git;
mod install;
mod new;
mod python;
mod python_deps;

pub use bench::bench;
pub(crate) use generate::cargo;
pub use generate::generate;
pub use install::{ServerInstaller, install};
pub use new::new;
pub use python::PythonOptions;
