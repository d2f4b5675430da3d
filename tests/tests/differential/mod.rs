//! The differential test's machinery: a seeded generator of model evolutions over three apps, the
//! questioner that answers for it, the rows it expects, and the checks that hold the engine against itself.

pub mod checks;
pub mod generator;
mod histories;
pub mod questioner;
pub mod rng;
pub mod rows;
pub mod run;
pub mod world;
