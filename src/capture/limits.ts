/**
 * The bounds of the capture layer. They sit here, not in engine/limits.ts, because capture/ is below
 * engine/ and may not import it; none of them is a user option (a hostile file hits them, a real one
 * never does).
 */

/**
 * Largest captured length accepted for one record: Wireshark's WTAP_MAX_PACKET_SIZE_STANDARD
 * (262144). A larger `caplen` is damage, and reading it would mean buffering what a hostile
 * header claims.
 */
export const MAX_CAPLEN = 256 * 1024;

/**
 * How far a record's `caplen` may exceed the file's (or interface's) snaplen before it is treated as
 * damage. Writers are sloppy about snaplen (TSO/GRO super-frames, editcap), so only "a lot" counts.
 */
export const SNAPLEN_SLACK = 64 * 1024;

/** Largest pcapng block accepted (draft-ietf-opsawg-pcapng §3.1 sets no bound; Wireshark uses 16 MiB). */
export const MAX_BLOCK_LENGTH = 64 * 1024 * 1024;

/** Bytes looked at to say what a non-capture input looks like instead (text, HTML, JSON, …). */
export const SNIFF_LENGTH = 64;
