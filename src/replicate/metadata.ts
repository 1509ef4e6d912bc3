/** Metadata replicate writes on each blob it copies: the content's sha256 and the ETag of the source version read. */
export const SHA256_METADATA = 'amlfailover_sha256';
export const SOURCE_ETAG_METADATA = 'amlfailover_source_etag';
