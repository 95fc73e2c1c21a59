package org.securefhir.auth.web;

import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;

/** The landing page after a login that was not started by an app. */
@Controller
final class AccountController {

    @GetMapping("/auth/account")
    String account(@AuthenticationPrincipal AuthenticatedUser user, Model model) {
        model.addAttribute("user", user);
        return "auth/account";
    }
}
