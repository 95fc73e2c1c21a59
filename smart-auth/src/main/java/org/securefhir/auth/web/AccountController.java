package org.securefhir.auth.web;

import java.security.Principal;
import org.securefhir.auth.user.UserAccounts;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;

/** The landing page after a login that was not started by an app. */
@Controller
final class AccountController {

    private final UserAccounts users;

    AccountController(UserAccounts users) {
        this.users = users;
    }

    @GetMapping("/auth/account")
    String account(Principal principal, Model model) {
        model.addAttribute("user", users.findById(principal.getName()).orElseThrow());
        return "auth/account";
    }
}
