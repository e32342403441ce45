/*
 * checksum.h - CRC-32C (Castagnoli), the checksum of kasim's sweep journal
 * lines and shard results (docs/sweeps.md, "Interruptions and --resume").
 *
 * CRC-32C is the CRC of iSCSI (RFC 3720, appendix B.4), ext4 and Btrfs:
 * polynomial 0x1EDC6F41 (reflected 0x82F63B78), initial value and final XOR
 * 0xFFFFFFFF. It detects every error burst of up to 32 bits and any change
 * to a line with probability 1 - 2^-32; it guards against damage and
 * mix-ups, not against someone who recomputes it on purpose.
 */
#ifndef KASIM_CHECKSUM_H
#define KASIM_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/* CRC-32C of p[0..n), continuing from crc (0 to start): crc32c(crc32c(0, a),
 * b) is the CRC-32C of a followed by b. crc32c(0, "123456789", 9) = 0xE3069283. */
uint32_t crc32c(uint32_t crc, const void *p, size_t n);

#endif
