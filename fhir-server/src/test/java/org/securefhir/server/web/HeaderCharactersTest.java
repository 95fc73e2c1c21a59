package org.securefhir.server.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class HeaderCharactersTest {

    /** Spring Security 6.5's StrictHttpFirewall patterns, which HeaderCharacters replaces. */
    private static final Pattern NAME = Pattern.compile("[\\p{IsAssigned}&&[^\\p{IsControl}]]*");

    private static final Pattern VALUE = Pattern.compile("[\\p{IsAssigned}&&[[^\\p{IsControl}]||\\t]]*");

    @Test
    void whenEveryCodePointCheckedAloneThenTheAnswerIsTheFirewallPatterns() {
        for (int codePoint = 0; codePoint <= Character.MAX_CODE_POINT; codePoint++) {
            String text = "a" + Character.toString(codePoint) + "z";
            assertEquals(NAME.matcher(text).matches(), HeaderCharacters.allowedName(text), () -> "name " + text);
            assertEquals(VALUE.matcher(text).matches(), HeaderCharacters.allowedValue(text), () -> "value " + text);
        }
    }

    @Test
    void whenRandomStringsMixLoneSurrogatesControlsAndUnassignedThenTheAnswerIsTheFirewallPatterns() {
        Random random = new Random(42);
        int[] interesting = {'\t', '\n', '\r', 0, 0x7f, 0x85, 0xd800, 0xdc00, 0x0378, 0xfffe, 0x1f600, 0xe0001};
        for (int n = 0; n < 100_000; n++) {
            StringBuilder text = new StringBuilder();
            for (int i = random.nextInt(12); i > 0; i--) {
                int pick = random.nextInt(4);
                if (pick == 0) {
                    text.appendCodePoint(interesting[random.nextInt(interesting.length)]);
                } else if (pick == 1) {
                    text.append((char) random.nextInt(0x10000)); // may split a pair or leave one alone
                } else {
                    text.append((char) (0x20 + random.nextInt(0x5f)));
                }
            }
            String s = text.toString();
            assertEquals(NAME.matcher(s).matches(), HeaderCharacters.allowedName(s), () -> "name " + s);
            assertEquals(VALUE.matcher(s).matches(), HeaderCharacters.allowedValue(s), () -> "value " + s);
        }
    }

    @Test
    void whenHeaderCarriesLineBreaksOrNulThenRefusedAndTabOnlyInValues() {
        assertTrue(HeaderCharacters.allowedValue("Bearer eyJhbGciOiJFUzI1NiJ9.e30.sig"));
        assertTrue(HeaderCharacters.allowedValue("a\tb"));
        assertFalse(HeaderCharacters.allowedName("a\tb"));
        assertFalse(HeaderCharacters.allowedValue("a\r\nSet-Cookie: x=1"));
        assertFalse(HeaderCharacters.allowedValue("a\u0000b"));
        assertTrue(HeaderCharacters.allowedValue(""));
    }
}
