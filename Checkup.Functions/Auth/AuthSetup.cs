using System.Security.Claims;
using System.Text;
using Checkup.Core;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Checkup.Functions.Auth;

public static class AuthSetup
{
    public const string AdminPolicy = "admin";

    /// <summary>The only algorithms an OpenID Connect issuer's tokens may use; a shared key means HS256 only.</summary>
    private static readonly string[] AsymmetricAlgorithms =
        [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
         SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384];

    public static IServiceCollection AddCheckupAuth(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<AuthOptions>(o => configuration.GetSection("Auth").Bind(o), AuthOptions.Problem);

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<AuthOptions>>((jwt, authOptions) => Configure(jwt, authOptions.Value));

        services.AddAuthorization();
        services.AddOptions<AuthorizationOptions>().Configure<IOptions<AuthOptions>>((authorization, authOptions) =>
        {
            var adminRole = authOptions.Value.AdminRole;
            authorization.AddPolicy(AdminPolicy, policy => policy.RequireAuthenticatedUser()
                .RequireAssertion(context => IsAdmin(context.User, adminRole)));
        });
        return services;
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
            parameters.IssuerSigningKey = SharedKey(auth);
            parameters.ValidateIssuerSigningKey = true;
            parameters.ValidAlgorithms = [SecurityAlgorithms.HmacSha256];
        }
        else
        {
            jwt.Authority = auth.Authority;
            jwt.RequireHttpsMetadata = !new Uri(auth.Authority!).IsLoopback;
            jwt.RefreshOnIssuerKeyNotFound = true; // picks up rotated signing keys
            parameters.ValidAlgorithms = AsymmetricAlgorithms;
        }

        jwt.TokenValidationParameters = parameters;
    }

    internal static SymmetricSecurityKey SharedKey(AuthOptions auth) => new(Encoding.UTF8.GetBytes(auth.SigningKey!));
}
