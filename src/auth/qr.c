/* QR code to SVG through libqrencode. */
#include "auth/qr.h"

#include <qrencode.h>
#include <string.h>

#include "util/buf.h"

#define QR_TEXT_MAX   1024
#define QR_QUIET_ZONE 4
#define QR_MODULE_PX  8
#define QR_SVG_LIMIT  (1u << 20)

char *qr_svg(const char *text)
{
    if (!text || strlen(text) > QR_TEXT_MAX) return NULL;
    /* Version 0: the smallest symbol that holds the text; case-sensitive byte mode. */
    QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!qr) return NULL;
    int side = qr->width + 2 * QR_QUIET_ZONE;
    struct buf b;
    buf_init(&b, QR_SVG_LIMIT);
    buf_printf(&b,
               "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
               "viewBox=\"0 0 %d %d\" shape-rendering=\"crispEdges\">\n"
               "<title>TOTP enrolment code</title>\n"
               "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n<path fill=\"#000\" d=\"",
               side * QR_MODULE_PX, side * QR_MODULE_PX, side, side, side, side);
    /* One horizontal run of dark modules per subpath keeps the file small. Bit 0 of each byte is
     * the module's colour (libqrencode's layout). */
    for (int y = 0; y < qr->width; y++) {
        const unsigned char *row = qr->data + (size_t)y * (size_t)qr->width;
        for (int x = 0; x < qr->width;) {
            if (!(row[x] & 1)) {
                x++;
                continue;
            }
            int run = 1;
            while (x + run < qr->width && (row[x + run] & 1)) run++;
            buf_printf(&b, "M%d %dh%dv1h-%dz", x + QR_QUIET_ZONE, y + QR_QUIET_ZONE, run, run);
            x += run;
        }
    }
    buf_append_str(&b, "\"/>\n</svg>\n");
    QRcode_free(qr);
    if (b.overflowed) return NULL;
    return buf_steal(&b, NULL);
}
