/* SPDX-License-Identifier: GPL-2.0 */
/* Plain text written as roff (man(7)) source, for the man pages. */
#ifndef BPFNET_ROFF_H
#define BPFNET_ROFF_H

#include <stdio.h>

/* s as roff text: '-' as a minus, '\' as \e, a '\n' as a space. */
void roff(FILE *f, const char *s);

/* A term and its paragraph: ".TP / .B term / pre text". */
void roff_item(FILE *f, const char *term, const char *pre, const char *text);

/* Paragraphs separated by a blank line ("\n\n"), each after a .PP. */
void roff_paras(FILE *f, const char *text);

#endif
