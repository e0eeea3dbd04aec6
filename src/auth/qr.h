/* The enrolment QR code: the otpauth:// URI drawn as an SVG image, for the enrolment page and for
 * `regie user add --qr FILE`. */
#ifndef REGIE_AUTH_QR_H
#define REGIE_AUTH_QR_H

/* Encodes text (at most 1024 bytes) as a QR code (error correction level M, byte mode) and returns
 * a standalone SVG document as a malloc'd string: one <path> of dark modules in a white square
 * with the standard 4-module quiet zone, 8 px per module. NULL when text is too long or memory ran
 * out. */
char *qr_svg(const char *text);

#endif
