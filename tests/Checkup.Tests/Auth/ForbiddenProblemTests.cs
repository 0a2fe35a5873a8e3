using System.Net;
using System.Net.Http.Headers;
using Checkup.Tests.Infrastructure;
using Checkup.Tests.Submissions;

namespace Checkup.Tests.Auth;

/// <summary>An admin-only function through the whole pipeline: a signed-in non-admin gets 403 problem+json, an admin gets through.</summary>
public sealed class ForbiddenProblemTests(SubmissionsFactory factory) : IClassFixture<SubmissionsFactory>
{
    [Fact]
    public async Task A_signed_in_non_admin_gets_403_problem_json_on_an_admin_endpoint()
    {
        var client = factory.CreateClient();

        var asUser = await SendAsync(client, Tokens.Valid(Users.New()));
        var asAdmin = await SendAsync(client, Tokens.Valid(Users.New("admin"), admin: true));
        var withoutSub = await SendAsync(client, Tokens.Create(sub: null, extraClaims: [new("role", "admin")]));

        await asUser.ProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        Assert.Empty(asUser.Headers.WwwAuthenticate);
        Assert.Equal(HttpStatusCode.OK, asAdmin.StatusCode);
        await withoutSub.ProblemAsync(HttpStatusCode.Forbidden, "forbidden"); // a token without a subject is no person
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/admin/stats");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client.SendAsync(request);
    }
}
