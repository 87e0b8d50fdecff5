//! Pure functions from data to HTML (maud escapes every interpolation).

pub mod assets;
pub mod layout;
pub mod rater;
