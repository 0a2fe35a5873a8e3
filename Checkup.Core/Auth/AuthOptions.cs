using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace Checkup.Core.Auth;

/// <summary>
/// Either an OpenID Connect issuer (<c>Auth__Authority</c>, keys from its discovery document) or an HS256 shared
/// secret (<c>Auth__SigningKey</c> with <c>Auth__Issuer</c>); <c>Auth__Audience</c> in both cases.
/// In Checkup.Core because the worker (which validates tokens) and tools/Checkup.Cli and the tests (which mint them)
/// share it.
/// </summary>
public sealed class AuthOptions
{
    public const int MinimumKeyBytes = 32;

    public string? Authority { get; set; }
    public string? Audience { get; set; }
    public string? SigningKey { get; set; }
    public string? Issuer { get; set; }
    public string AdminRole { get; set; } = "admin";

    public bool UsesSharedKey => string.IsNullOrWhiteSpace(Authority);

    /// <summary>What is wrong with the settings, in words that name the setting; null when they can be used.</summary>
    public static string? Problem(AuthOptions o)
    {
        if (string.IsNullOrWhiteSpace(o.Authority) && string.IsNullOrWhiteSpace(o.SigningKey))
        {
            return "No authentication is configured: set Auth__Authority and Auth__Audience (OpenID Connect), " +
                   "or Auth__SigningKey, Auth__Issuer and Auth__Audience (HS256 shared secret).";
        }

        if (string.IsNullOrWhiteSpace(o.Audience))
        {
            return "Auth__Audience is not set: give the audience ('aud') that tokens for this API carry.";
        }

        if (!string.IsNullOrWhiteSpace(o.Authority))
        {
            return Uri.TryCreate(o.Authority, UriKind.Absolute, out var authority) && (authority.Scheme == Uri.UriSchemeHttps || authority.IsLoopback)
                ? null
                : "Auth__Authority is malformed: expected the issuer's https URL, e.g. 'https://login.example.com/tenant/v2.0'.";
        }

        if (string.IsNullOrWhiteSpace(o.Issuer))
        {
            return "Auth__Issuer is not set: with Auth__SigningKey, give the issuer ('iss') that tokens carry.";
        }

        return System.Text.Encoding.UTF8.GetByteCount(o.SigningKey!) < MinimumKeyBytes
            ? $"Auth__SigningKey is too short: HS256 needs at least {MinimumKeyBytes} bytes of secret."
            : null;
    }

    /// <summary>The HS256 key of <see cref="SigningKey"/> (only when <see cref="UsesSharedKey"/>).</summary>
    public SymmetricSecurityKey SharedKey() => new(Encoding.UTF8.GetBytes(SigningKey!));
}
