using System.Net;
using System.Text.Json;
using Checkup.Tests.Infrastructure;

namespace Checkup.Tests.Auth;

/// <summary>
/// A validly signed token whose claims hold what no header value may (CR/LF, NUL, non-ASCII): the 401's
/// <c>WWW-Authenticate</c> quotes the handler's reason, which quotes the claim. On real Kestrel (which refuses to send
/// such a header, where the test server would not notice) the answer must still be a 401.
/// </summary>
public sealed class RefusedTokenHeaderTests : IAsyncLifetime
{
    private readonly CheckupFactory _app = new();
    private HttpClient _http = null!;

    public Task InitializeAsync()
    {
        _http = new HttpClient { BaseAddress = _app.StartOnKestrel() };
        return Task.CompletedTask;
    }

    [Theory]
    [InlineData("issuer\r\nX-Injected: yes")]
    [InlineData("issuer\0with-nul")]
    [InlineData("émetteur-ünïcode")]
    [InlineData("\u2028line-separator")]
    public async Task A_signed_token_with_an_unprintable_issuer_gets_401_with_a_printable_challenge(string issuer)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/submission");
        request.Headers.Authorization = new("Bearer", Tokens.Create(Users.New(), issuer: issuer));

        var response = await _http.SendAsync(request);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("unauthorized", body.GetProperty("code").GetString());
        var challenge = Assert.Single(response.Headers.WwwAuthenticate).ToString();
        Assert.StartsWith("Bearer", challenge, StringComparison.Ordinal);
        Assert.Contains("invalid_token", challenge, StringComparison.Ordinal);
        Assert.All(challenge, c => Assert.InRange(c, ' ', '~'));
        Assert.False(response.Headers.Contains("X-Injected"));
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.DisposeAsync();
    }
}
