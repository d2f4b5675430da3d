//! Choice enums: fieldless enums stored as a short string that a CHECK constraint keeps to the known values.

/// A fieldless enum stored as one of a fixed set of strings; `#[derive(OxChoices)]` implements it.
pub trait OxChoices: Sized + 'static {
    /// The stored value of each variant, in declaration order.
    const VALUES: &'static [&'static str];

    /// The stored value of this variant.
    fn as_str(&self) -> &'static str;

    /// The variant a stored value stands for.
    fn from_stored(value: &str) -> Option<Self>;
}
