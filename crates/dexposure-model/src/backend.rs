//! Which burn backend runs the model, chosen at run time (burn 0.22 dispatches on the
//! [`Device`]).

use std::fmt;
use std::str::FromStr;

use burn::prelude::Device;
use serde::{Deserialize, Serialize};

use crate::error::{ModelError, Result};

/// A burn backend this crate can run on. Each needs the cargo feature of the same name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackendKind {
    /// burn-ndarray (CPU).
    Ndarray,
    /// burn-flex, burn's pure-Rust CPU backend.
    Flex,
    /// burn-wgpu (GPU through Vulkan, Metal or DX12; also Mesa's software Vulkan).
    Wgpu,
}

impl BackendKind {
    /// All kinds, compiled in or not.
    pub const ALL: [BackendKind; 3] = [Self::Ndarray, Self::Flex, Self::Wgpu];

    /// The default CPU backend: flex when compiled in (it trains faster, see
    /// docs/BENCHMARKS.md), else ndarray.
    pub fn default_cpu() -> Result<Self> {
        [Self::Flex, Self::Ndarray]
            .into_iter()
            .find(|k| k.is_compiled())
            .ok_or_else(|| {
                ModelError::InvalidArgument(
                    "dexposure-model was built without a CPU backend (features `flex` or `ndarray`)"
                        .into(),
                )
            })
    }

    /// Name as on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Ndarray => "ndarray",
            Self::Flex => "flex",
            Self::Wgpu => "wgpu",
        }
    }

    /// True when the cargo feature of this backend is enabled.
    pub fn is_compiled(self) -> bool {
        match self {
            Self::Ndarray => cfg!(feature = "ndarray"),
            Self::Flex => cfg!(feature = "flex"),
            Self::Wgpu => cfg!(feature = "wgpu"),
        }
    }

    /// The device of this backend (the default adapter for wgpu), or an error naming the
    /// missing cargo feature.
    pub fn device(self) -> Result<Device> {
        match self {
            #[cfg(feature = "ndarray")]
            #[allow(deprecated)]
            // burn 0.22 deprecates ndarray in favour of flex; the user asked for it
            Self::Ndarray => Ok(Device::ndarray()),
            #[cfg(feature = "flex")]
            Self::Flex => Ok(Device::flex()),
            #[cfg(feature = "wgpu")]
            Self::Wgpu => Ok(Device::wgpu(burn::prelude::DeviceKind::DefaultDevice)),
            #[allow(unreachable_patterns)]
            other => Err(ModelError::InvalidArgument(format!(
                "backend `{}` is not compiled in: build with `--features {}`",
                other.name(),
                other.name()
            ))),
        }
    }
}

impl fmt::Display for BackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for BackendKind {
    type Err = ModelError;

    fn from_str(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| {
                ModelError::InvalidArgument(format!(
                    "unknown backend `{s}` (expected ndarray, flex or wgpu)"
                ))
            })
    }
}
