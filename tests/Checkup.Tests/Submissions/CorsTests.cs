using System.Net;

namespace Checkup.Tests.Submissions;

/// <summary>The frontend (<c>Cors__AllowedOrigins</c>) may autosave across origins and read the ETag.</summary>
public sealed class CorsTests(SubmissionsFactory factory) : IClassFixture<SubmissionsFactory>
{
    [Fact]
    public async Task A_preflight_for_an_autosave_from_the_frontend_is_allowed_without_a_token()
    {
        var preflight = new HttpRequestMessage(HttpMethod.Options, "/api/submission/draft");
        preflight.Headers.Add("Origin", "http://frontend.test");
        preflight.Headers.Add("Access-Control-Request-Method", "PUT");
        preflight.Headers.Add("Access-Control-Request-Headers", "authorization, content-type, if-match");

        var response = await factory.CreateClient().SendAsync(preflight);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("http://frontend.test", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("PUT", response.Headers.GetValues("Access-Control-Allow-Methods").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Answers_to_the_frontend_expose_the_etag_and_other_origins_get_no_cors_headers()
    {
        var client = factory.ClientFor(Infrastructure.Users.New());
        var fromFrontend = new HttpRequestMessage(HttpMethod.Post, "/api/submission");
        fromFrontend.Headers.Add("Origin", "http://frontend.test");
        var fromElsewhere = new HttpRequestMessage(HttpMethod.Get, "/api/submission");
        fromElsewhere.Headers.Add("Origin", "http://evil.test");

        var allowed = await client.SendAsync(fromFrontend);
        var other = await client.SendAsync(fromElsewhere);

        Assert.Equal("http://frontend.test", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("ETag", allowed.Headers.GetValues("Access-Control-Expose-Headers").Single(), StringComparison.Ordinal);
        Assert.False(other.Headers.Contains("Access-Control-Allow-Origin"));
    }
}
