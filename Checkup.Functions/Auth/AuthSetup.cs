using System.Security.Claims;
using Checkup.Core;
using Checkup.Core.Auth;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Checkup.Functions.Auth;

public static class AuthSetup
{
    public const string AdminPolicy = "admin";

    /// <summary>A signed-in person: a valid token with a subject (<c>sub</c>, the author id; checked by <see cref="SubjectCheck"/>).</summary>
    public const string UserPolicy = "user";

    /// <summary>The only algorithms an OpenID Connect issuer's tokens may use; a shared key means HS256 only.</summary>
    private static readonly string[] AsymmetricAlgorithms =
        [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
         SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384];

    public static IServiceCollection AddCheckupAuth(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<AuthOptions>(o => configuration.GetSection("Auth").Bind(o), AuthOptions.Problem);

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(jwt => jwt.Events = new JwtBearerEvents
        {
            OnTokenValidated = SubjectCheck.OnTokenValidatedAsync,
            OnChallenge = SubjectCheck.OnChallengeAsync,
        });
        SkipKeyRingPreload(services);
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<AuthOptions>>((jwt, authOptions) => Configure(jwt, authOptions.Value));
        services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, jwt =>
        {
            // Runs after the JWT handler has built its discovery client. The published key set is the truth: without
            // this, a key the issuer has retired (perhaps because it leaked) would still be honoured for an hour as
            // part of the "last known good" configuration.
            if (jwt.ConfigurationManager is BaseConfigurationManager discovery)
            {
                discovery.UseLastKnownGoodConfiguration = false;
            }
        });

        services.AddAuthorization();
        services.AddOptions<AuthorizationOptions>().Configure<IOptions<AuthOptions>>((authorization, authOptions) =>
        {
            var adminRole = authOptions.Value.AdminRole;
            authorization.AddPolicy(AdminPolicy, policy => policy.RequireAuthenticatedUser()
                .RequireAssertion(context => IsAdmin(context.User, adminRole)));
            authorization.AddPolicy(UserPolicy, policy => policy.RequireAuthenticatedUser().RequireClaim("sub"));
        });
        return services;
    }

    /// <summary>
    /// Authentication brings data protection, whose hosted service loads the key ring at start (on a fresh instance it
    /// creates one and writes it as XML): work on every cold start for keys that bearer tokens never use. Without the
    /// preload the ring is loaded the first time something protects data, which nothing in the handler does.
    /// </summary>
    private static void SkipKeyRingPreload(IServiceCollection services)
    {
        var preload = services.Where(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.Name == "DataProtectionHostedService").ToList();
        foreach (var descriptor in preload)
        {
            services.Remove(descriptor);
        }
    }

    public static bool IsAdmin(ClaimsPrincipal user, string adminRole) =>
        user.Claims.Any(c => (c.Type == "role" || c.Type == "roles") && c.Value == adminRole);

    private static void Configure(JwtBearerOptions jwt, AuthOptions auth)
    {
        if (AuthOptions.Problem(auth) is not null)
        {
            return; // start-up validation reports it
        }

        jwt.MapInboundClaims = false;
        var parameters = new TokenValidationParameters
        {
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidAudience = auth.Audience,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ClockSkew = TimeSpan.FromSeconds(60),
            NameClaimType = "sub",
            RoleClaimType = "role",
        };

        if (auth.UsesSharedKey)
        {
            parameters.ValidIssuer = auth.Issuer;
            parameters.IssuerSigningKey = auth.SharedKey();
            parameters.ValidateIssuerSigningKey = true;
            parameters.ValidAlgorithms = [SecurityAlgorithms.HmacSha256];
        }
        else
        {
            jwt.Authority = auth.Authority;
            jwt.RequireHttpsMetadata = !new Uri(auth.Authority!).IsLoopback;
            // Keys come from the discovery document; a token signed with a key not seen yet (rotation) triggers a refetch
            // (at most every RefreshInterval), and the document is refetched anyway every AutomaticRefreshInterval.
            jwt.RefreshOnIssuerKeyNotFound = true;
            jwt.AutomaticRefreshInterval = TimeSpan.FromHours(6);
            jwt.RefreshInterval = TimeSpan.FromMinutes(1);
            parameters.ValidAlgorithms = AsymmetricAlgorithms;
        }

        jwt.TokenValidationParameters = parameters;
    }
}
