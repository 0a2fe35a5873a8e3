using System.Net;
using System.Net.Http.Headers;
using Checkup.Tests.Infrastructure;
using Checkup.Tests.Submissions;
using Microsoft.IdentityModel.Tokens;

namespace Checkup.Tests.Auth;

/// <summary>The edges of token validation with the HS256 shared key: algorithm pinned, lifetime with at most 60 s of skew.</summary>
public sealed class TokenValidationTests(SubmissionsFactory factory) : IClassFixture<SubmissionsFactory>
{
    [Fact]
    public async Task A_token_expired_30_s_ago_is_within_the_clock_skew_and_one_expired_90_s_ago_is_not()
    {
        var user = Users.New();

        var withinSkew = await StatusAsync(Tokens.Create(user, expiresIn: TimeSpan.FromSeconds(-30)));
        var pastSkew = await StatusAsync(Tokens.Create(user, expiresIn: TimeSpan.FromSeconds(-90)));

        Assert.Equal(HttpStatusCode.NotFound, withinSkew); // signed in; nothing started
        Assert.Equal(HttpStatusCode.Unauthorized, pastSkew);
    }

    [Theory]
    [InlineData(SecurityAlgorithms.HmacSha384)]
    [InlineData(SecurityAlgorithms.HmacSha512)]
    public async Task A_token_signed_with_the_right_key_but_another_algorithm_is_refused(string algorithm)
    {
        var key = CheckupFactory.SigningKey + new string('k', 32); // long enough for the stronger HMACs
        await using var app = new CheckupFactory(new Dictionary<string, string?> { ["Auth:SigningKey"] = key });

        var client = app.CreateClient();
        var pinned = await StatusAsync(Tokens.Create(Users.New(), signingKey: key), client);
        var other = await StatusAsync(Tokens.Create(Users.New(), signingKey: key, algorithm: algorithm), client);

        Assert.Equal(HttpStatusCode.NotFound, pinned);
        Assert.Equal(HttpStatusCode.Unauthorized, other);
    }

    [Fact]
    public async Task A_token_that_is_not_yet_valid_is_refused()
    {
        var notYet = new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Subject = new System.Security.Claims.ClaimsIdentity([new System.Security.Claims.Claim("sub", Users.New())]),
            Issuer = CheckupFactory.Issuer,
            Audience = CheckupFactory.Audience,
            NotBefore = DateTime.UtcNow.AddMinutes(5),
            Expires = DateTime.UtcNow.AddHours(1),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes(CheckupFactory.SigningKey)), SecurityAlgorithms.HmacSha256),
        });

        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(notYet));
    }

    [Fact]
    public async Task Claims_keep_their_token_names_so_sub_is_the_author_and_role_grants_admin()
    {
        // With inbound claim mapping, 'sub' would become a NameIdentifier URI and every signed-in call would fail.
        var user = Users.New();
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Tokens.Valid(user));

        var start = await client.PostAsync("/api/submission", null);

        Assert.Equal(HttpStatusCode.Created, start.StatusCode);
        Assert.NotNull(await Db.RowAsync(user)); // stored under the token's own 'sub'
    }

    private Task<HttpStatusCode> StatusAsync(string token) => StatusAsync(token, factory.CreateClient());

    private static async Task<HttpStatusCode> StatusAsync(string token, HttpClient client)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/submission");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return (await client.SendAsync(request)).StatusCode;
    }
}
