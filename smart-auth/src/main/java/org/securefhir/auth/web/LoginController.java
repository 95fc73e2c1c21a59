package org.securefhir.auth.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.securefhir.auth.login.LoginService;
import org.securefhir.auth.mfa.SecondFactorTime;
import org.securefhir.auth.mfa.TotpService;
import org.securefhir.auth.user.UserAccount;
import org.securefhir.auth.user.UserAccounts;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.core.context.SecurityContextHolderStrategy;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.web.context.HttpSessionSecurityContextRepository;
import org.springframework.security.web.context.SecurityContextRepository;
import org.springframework.security.web.savedrequest.HttpSessionRequestCache;
import org.springframework.security.web.savedrequest.RequestCache;
import org.springframework.security.web.savedrequest.SavedRequest;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * The interactive login: user name and password, then always a second factor. The session only
 * becomes authenticated after the second factor; between the steps it holds nothing but the id of
 * the account that passed the first (and the session id is renewed at each step).
 */
@Controller
final class LoginController {

    static final String PENDING_USER = LoginController.class.getName() + ".PENDING_USER";
    private static final String GENERIC_FAILURE = "Invalid user name or password.";
    private static final String LOCKED = "Too many failed attempts. Try again later.";

    private final LoginService login;
    private final UserAccounts users;
    private final TotpService totp;
    private final SecurityContextHolderStrategy contexts = SecurityContextHolder.getContextHolderStrategy();
    private final SecurityContextRepository contextRepository = new HttpSessionSecurityContextRepository();
    private final RequestCache requestCache = new HttpSessionRequestCache();

    LoginController(LoginService login, UserAccounts users, TotpService totp) {
        this.login = login;
        this.users = users;
        this.totp = totp;
    }

    @GetMapping("/auth/login")
    String loginPage() {
        return "auth/login";
    }

    @PostMapping("/auth/login")
    String password(
            @RequestParam(defaultValue = "") String username,
            @RequestParam(defaultValue = "") String password,
            HttpServletRequest request,
            Model model) {
        LoginService.Outcome outcome = login.checkPassword(username, password, request.getRemoteAddr());
        if (outcome instanceof LoginService.Outcome.Success success) {
            request.changeSessionId();
            request.getSession().setAttribute(PENDING_USER, success.user().id());
            return "redirect:/auth/mfa";
        }
        model.addAttribute("error", outcome instanceof LoginService.Outcome.Locked ? LOCKED : GENERIC_FAILURE);
        return "auth/login";
    }

    @GetMapping("/auth/mfa")
    String secondFactorPage(HttpServletRequest request, Model model) {
        Optional<UserAccount> user = pendingUser(request);
        if (user.isEmpty()) {
            return "redirect:/auth/login";
        }
        if (totp.isEnrolled(user.get().id())) {
            return "auth/mfa";
        }
        TotpService.Enrollment enrollment =
                totp.begin(user.get().id(), user.get().username());
        model.addAttribute("secret", group(enrollment.base32Secret()));
        model.addAttribute("otpauthUri", enrollment.otpauthUri());
        model.addAttribute(
                "qrCode", "data:image/png;base64," + Base64.getEncoder().encodeToString(enrollment.qrCodePng()));
        return "auth/enroll";
    }

    @PostMapping("/auth/mfa")
    String secondFactor(
            @RequestParam(defaultValue = "") String code,
            @RequestParam(name = "recovery_code", defaultValue = "") String recoveryCode,
            HttpServletRequest request,
            HttpServletResponse response,
            Model model) {
        Optional<UserAccount> user = pendingUser(request);
        if (user.isEmpty()) {
            return "redirect:/auth/login";
        }
        LoginService.Outcome outcome = recoveryCode.isBlank()
                ? login.checkTotp(user.get(), code.trim(), request.getRemoteAddr())
                : login.checkRecoveryCode(user.get(), recoveryCode, request.getRemoteAddr());
        if (outcome instanceof LoginService.Outcome.Success success) {
            return complete(success.user(), request, response, model, List.of());
        }
        return refuse(outcome, request, model, "auth/mfa");
    }

    @PostMapping("/auth/mfa/enroll")
    String confirmEnrollment(
            @RequestParam(defaultValue = "") String code,
            HttpServletRequest request,
            HttpServletResponse response,
            Model model) {
        Optional<UserAccount> user = pendingUser(request);
        if (user.isEmpty()) {
            return "redirect:/auth/login";
        }
        List<String> recoveryCodes = new ArrayList<>();
        LoginService.Outcome outcome =
                login.confirmEnrollment(user.get(), code.trim(), request.getRemoteAddr(), recoveryCodes::addAll);
        if (outcome instanceof LoginService.Outcome.Success success) {
            return complete(success.user(), request, response, model, recoveryCodes);
        }
        if (outcome instanceof LoginService.Outcome.Locked) {
            return refuse(outcome, request, model, "auth/login");
        }
        model.addAttribute("error", "That code is not right. Scan the new code below and try again.");
        return secondFactorPage(request, model);
    }

    private String refuse(LoginService.Outcome outcome, HttpServletRequest request, Model model, String view) {
        if (outcome instanceof LoginService.Outcome.Locked) {
            HttpSession session = request.getSession(false);
            if (session != null) {
                session.invalidate();
            }
            model.addAttribute("error", LOCKED);
            return "auth/login";
        }
        model.addAttribute("error", "That code is not right.");
        return view;
    }

    private String complete(
            UserAccount user,
            HttpServletRequest request,
            HttpServletResponse response,
            Model model,
            List<String> newRecoveryCodes) {
        request.getSession().removeAttribute(PENDING_USER);
        request.changeSessionId();
        List<GrantedAuthority> authorities = Stream.concat(
                        user.roles().stream().map(role -> new SimpleGrantedAuthority("ROLE_" + role.code())),
                        Stream.of(
                                new SimpleGrantedAuthority("FACTOR_PASSWORD"),
                                new SimpleGrantedAuthority("FACTOR_TOTP"),
                                SecondFactorTime.authority(java.time.Instant.now())))
                .toList();
        SecurityContext context = contexts.createEmptyContext();
        // The principal's name is the stable user id (the token subject); a plain Spring Security User,
        // because Spring Authorization Server stores the principal with an allow-listed JSON mapper.
        User principal = new User(user.id(), "", authorities);
        context.setAuthentication(UsernamePasswordAuthenticationToken.authenticated(principal, null, authorities));
        contexts.setContext(context);
        contextRepository.saveContext(context, request, response);

        SavedRequest saved = requestCache.getRequest(request, response);
        String next = saved == null ? "/auth/account" : saved.getRedirectUrl();
        requestCache.removeRequest(request, response);
        if (!newRecoveryCodes.isEmpty()) {
            model.addAttribute("recoveryCodes", newRecoveryCodes);
            model.addAttribute("next", next);
            return "auth/recovery-codes";
        }
        return "redirect:" + next;
    }

    private Optional<UserAccount> pendingUser(HttpServletRequest request) {
        HttpSession session = request.getSession(false);
        Object id = session == null ? null : session.getAttribute(PENDING_USER);
        return id instanceof String userId ? users.findById(userId).filter(UserAccount::enabled) : Optional.empty();
    }

    private static String group(String base32) {
        return String.join(" ", base32.split("(?<=\\G.{4})"));
    }
}
