// SPDX-License-Identifier: GPL-2.0
/* Plain text written as roff source: escapes, terms, paragraphs. */
#include "roff.h"

/* One character of text; bol: it starts an output line. */
static void roff_char(FILE *f, char c, int bol)
{
	if (bol && (c == '.' || c == '\''))
		fputs("\\&", f);	/* not a request */
	if (c == '-')
		fputs("\\-", f);
	else if (c == '\\')
		fputs("\\e", f);
	else
		fputc(c == '\n' ? ' ' : c, f);
}

void roff(FILE *f, const char *s)
{
	for (const char *p = s; *p; p++)
		roff_char(f, *p, p == s);
}

void roff_item(FILE *f, const char *term, const char *pre, const char *text)
{
	fputs(".TP\n.B ", f);
	roff(f, term);
	fputc('\n', f);
	roff(f, pre);
	roff(f, text);
	fputc('\n', f);
}

void roff_paras(FILE *f, const char *text)
{
	int bol = 1;

	fputs(".PP\n", f);
	for (const char *p = text; *p; p++) {
		if (p[0] == '\n' && p[1] == '\n') {
			fputs("\n.PP\n", f);
			while (p[1] == '\n')
				p++;
			bol = 1;
			continue;
		}
		roff_char(f, *p, bol);
		bol = 0;
	}
	fputc('\n', f);
}
