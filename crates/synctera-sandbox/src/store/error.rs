//! What the store refuses, in its own words; `http/` answers each as a problem report.

/// Why the store could not do what it was asked.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StoreError {
    /// The page token is not one this sandbox sealed (or not one of a listing at all).
    #[error("page_token is not a token this listing issued")]
    ForeignPageToken,
    /// The page token was sealed before the tenant was wiped.
    #[error("page_token was issued before this tenant was wiped")]
    PageTokenBeforeWipe,
    /// The page token belongs to another sort order of the same listing.
    #[error("page_token does not belong to this sort order")]
    PageTokenOfOtherOrder,
    /// The page token belongs to a listing of another kind of record.
    #[error("page_token does not belong to this listing")]
    PageTokenOfOtherListing,
}
