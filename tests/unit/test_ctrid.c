// SPDX-License-Identifier: GPL-2.0
/*
 * Container ids as listings print them and commands take them: a 64-hex id
 * shortened to 12 characters, any other id whole; an id prefix naming one
 * record, and none when two share it or none has it.
 */
#include <string.h>

#include "check.h"
#include "ctrid.h"

#define ID_A "3f4e5d6c7b8a1234aaaa0000000000000000000000000000000000000000000a"
#define ID_B "3f4e5d6c7b8a1234bbbb0000000000000000000000000000000000000000000b"
#define ID_C "9c0ffee000000000000000000000000000000000000000000000000000000000"

static struct endpoint_rec recs[4];
static struct bpfnet_state st = { .eps = recs };

static void add(const char *id)
{
	strcpy(recs[st.n++].id, id);
}

static void setup(void)
{
	memset(recs, 0, sizeof(recs));
	st.n = 0;
	add(ID_A);
	add(ID_B);
	add(ID_C);
	add("web");
}

static const char *match(const char *id, bool *ambiguous)
{
	struct endpoint_rec *r = ctrid_match(&st, id, ambiguous);

	return r ? r->id : "(none)";
}

static void test_short_form(void)
{
	char name[65];

	CHECK_EQ(strlen(ID_A), 64u, "the test's id is 64 characters");
	CHECK_EQ(ctrid_short_len(ID_A), 12, "printed length of a 64-hex id");
	CHECK_EQ(ctrid_short_len("web"), 3, "printed length of a name");
	/* 64 characters, one not hex: a name, printed whole */
	memcpy(name, ID_A, sizeof(name));
	name[0] = 'g';
	CHECK_EQ(ctrid_short_len(name), 64, "printed length of a 64-character name");
	CHECK_EQ(ctrid_short_len(ID_A "0"), 65, "printed length of a 65-hex id");
}

static void test_prefixes(void)
{
	bool amb;

	CHECK_STR(match(ID_A, &amb), ID_A, "the whole id");
	CHECK_STR(match("3f4e5d6c7b8a1234a", &amb), ID_A, "an unambiguous prefix of A");
	CHECK_EQ(amb, false, "ambiguous, for A's prefix");
	CHECK_STR(match("3f4e5d6c7b8a1234b", &amb), ID_B, "an unambiguous prefix of B");
	CHECK_STR(match("9c", &amb), ID_C, "two characters of C");
	CHECK_STR(match("we", &amb), "web", "a prefix of a name");
}

static void test_ambiguous_and_unknown(void)
{
	bool amb;

	CHECK_STR(match("3f4e5d6c7b8a", &amb), "(none)", "the short form A and B share");
	CHECK_EQ(amb, true, "ambiguous, for the shared prefix");
	CHECK_STR(match("3", &amb), "(none)", "one character A and B share");
	CHECK_EQ(amb, true, "ambiguous, for one shared character");
	CHECK_STR(match("4", &amb), "(none)", "a prefix of no id");
	CHECK_EQ(amb, false, "ambiguous, for an unknown prefix");
	CHECK_STR(match("", &amb), "(none)", "the empty prefix");
	CHECK_EQ(amb, false, "ambiguous, for the empty prefix");
	CHECK_STR(match(ID_A "0", &amb), "(none)", "longer than the id");
}

static const struct check_test tests[] = {
	CHECK_TEST(test_short_form),
	CHECK_TEST(test_prefixes),
	CHECK_TEST(test_ambiguous_and_unknown),
};

int main(int argc, char **argv)
{
	static const struct check_fixture fx = { setup, NULL };

	return check_main(argc, argv, tests, CHECK_NTESTS(tests), &fx);
}
