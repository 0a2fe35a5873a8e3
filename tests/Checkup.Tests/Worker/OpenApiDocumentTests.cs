using System.Net;
using System.Reflection;
using System.Text.Json;
using Checkup.Functions.Worker;
using Checkup.Tests.Infrastructure;
using Microsoft.OpenApi;

namespace Checkup.Tests.Worker;

/// <summary>
/// GET /api/openapi.json of the isolated worker: generated from the functions, so it lists exactly the HTTP functions of
/// the build's functions.metadata, with their auth, limits and the wire's schemas.
/// </summary>
[Collection(OpenApiCollection.Name)]
public sealed class OpenApiDocumentTests(HostedAppFixture fixture)
{
    private HostedApp App => fixture.App;

    [Fact]
    public async Task Every_http_function_of_the_build_has_its_operation_with_a_summary_and_nothing_else_is_documented()
    {
        var document = await OpenApiFacts.DocumentAsync(App);
        var functions = OpenApiFacts.HttpFunctions();

        var indexed = functions.SelectMany(f => f.Methods.Select(m => $"{m.ToUpperInvariant()} {f.Path}")).ToHashSet();
        var documented = document.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(o => $"{o.Name.ToUpperInvariant()} {p.Name}"))
            .ToHashSet();
        Assert.Contains("GET /api/openapi.json", indexed);
        Assert.Contains("POST /api/images", indexed);
        Assert.Empty(indexed.Except(documented)); // a function nobody can discover
        Assert.Empty(documented.Except(indexed)); // a documented operation the host does not serve

        foreach (var function in functions)
        {
            foreach (var method in function.Methods)
            {
                var operation = OpenApiFacts.Operation(document, function, method);
                Assert.Equal(function.Name, operation.GetProperty("operationId").GetString());
                Assert.True(operation.TryGetProperty("summary", out var summary) && summary.GetString()!.Length > 10,
                    $"{function.Name} has no summary: give it an [Operation]");
                Assert.Single(operation.GetProperty("tags").EnumerateArray());
                Assert.True(operation.GetProperty("responses").EnumerateObject().Any(r => r.Name.StartsWith('2')),
                    $"{function.Name} documents no success: give it a [Responds]");
            }
        }
    }

    [Fact]
    public async Task The_document_is_valid_openapi_with_a_relative_server_and_each_function_s_auth_and_limits()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/openapi.json");
        request.Headers.Host = "evil.example";
        var response = await App.CreateClient().SendAsync(request);
        var json = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var read = Microsoft.OpenApi.OpenApiDocument.Parse(json, "json");
        Assert.Empty(read.Diagnostic!.Errors);
        Assert.Empty(read.Document!.Validate(ValidationRuleSet.GetDefaultRuleSet())!);
        Assert.DoesNotContain("evil.example", json, StringComparison.Ordinal);
        var document = JsonDocument.Parse(json).RootElement;
        Assert.Equal("/", document.GetProperty("servers")[0].GetProperty("url").GetString());
        Assert.Equal("Checkup API", document.GetProperty("info").GetProperty("title").GetString());
        var bearer = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer");
        Assert.Equal("bearer", bearer.GetProperty("scheme").GetString());

        foreach (var function in OpenApiFacts.HttpFunctions())
        {
            var policy = function.Policy;
            var operation = OpenApiFacts.Operation(document, function, function.Methods[0]);
            var responses = operation.GetProperty("responses");
            var codes = OpenApiFacts.DocumentedCodes(operation);
            // Errors are problem+json, but for an answer the function declares as its own body (health's 503 report).
            var declared = function.Method.GetCustomAttributes<Checkup.Functions.OpenApi.RespondsAttribute>().Select(r => r.Status.ToString(System.Globalization.CultureInfo.InvariantCulture));
            foreach (var status in responses.EnumerateObject().Where(r => r.Name[0] is '4' or '5' && !declared.Contains(r.Name)))
            {
                Assert.True(status.Value.GetProperty("content").TryGetProperty("application/problem+json", out _), $"{function.Name} {status.Name} is not problem+json");
            }

            Assert.Equal(policy.Access != Access.Anonymous, operation.TryGetProperty("security", out _));
            Assert.Equal(policy.Access != Access.Anonymous, codes.GetValueOrDefault("unauthorized")?.Contains(401) == true);
            Assert.Equal(policy.Access != Access.Anonymous, codes.GetValueOrDefault("forbidden")?.Contains(403) == true);
            if (policy.Access == Access.Admin)
            {
                Assert.Contains("admin role", responses.GetProperty("403").GetProperty("description").GetString(), StringComparison.Ordinal);
            }

            Assert.Equal(policy.WriteLimited, codes.GetValueOrDefault("rate_limited")?.Contains(429) == true);
            if (policy.WriteLimited)
            {
                Assert.True(responses.GetProperty("429").GetProperty("headers").TryGetProperty("Retry-After", out _), $"{function.Name} 429 has no Retry-After");
            }

            if (policy.BodyLimit is { } limit)
            {
                Assert.Contains(limit.ToString(System.Globalization.CultureInfo.InvariantCulture), responses.GetProperty("413").GetProperty("description").GetString(), StringComparison.Ordinal);
            }
        }

        var image = document.GetProperty("paths").GetProperty("/api/images/{id}").GetProperty("get");
        var id = Assert.Single(image.GetProperty("parameters").EnumerateArray());
        Assert.Equal("path", id.GetProperty("in").GetString());
        Assert.Equal("uuid", id.GetProperty("schema").GetProperty("format").GetString());
        var upload = document.GetProperty("paths").GetProperty("/api/images").GetProperty("post");
        Assert.True(upload.GetProperty("requestBody").GetProperty("content").GetProperty("multipart/form-data").GetProperty("schema").GetProperty("properties").TryGetProperty("file", out _));
        var listing = document.GetProperty("paths").GetProperty("/api/admin/submissions").GetProperty("get");
        Assert.Contains(listing.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "submittedFrom" && p.GetProperty("in").GetString() == "query"
                                                                                  && p.GetProperty("description").GetString()!.Length > 0);
        var draft = document.GetProperty("paths").GetProperty("/api/submission/draft").GetProperty("put");
        Assert.Equal(["200", "400", "401", "403", "404", "409", "412", "413", "415", "422", "429", "500", "503"],
            draft.GetProperty("responses").EnumerateObject().Select(r => r.Name).Order(StringComparer.Ordinal));
        Assert.True(draft.GetProperty("responses").GetProperty("412").GetProperty("headers").TryGetProperty("ETag", out _));
        Assert.Contains(draft.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "If-Match" && p.GetProperty("in").GetString() == "header");
    }

    [Fact]
    public async Task Schemas_name_properties_as_the_functions_write_them()
    {
        var document = await OpenApiFacts.DocumentAsync(App);
        var schemas = document.GetProperty("components").GetProperty("schemas");
        var client = App.ClientFor(Users.New("openapi"));

        // What the functions really answer: every property of the body is in its schema, spelled the same.
        var started = await client.PostAsync("/api/submission", null);
        var health = await App.CreateClient().GetAsync("/api/health");
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        AssertDescribes(schemas, "Submission", JsonDocument.Parse(await started.Content.ReadAsStringAsync()).RootElement);
        AssertDescribes(schemas, "HealthReport", JsonDocument.Parse(await health.Content.ReadAsStringAsync()).RootElement);

        Assert.True(schemas.GetProperty("FormState").GetProperty("properties").TryGetProperty("projects", out _));
        var mismatch = schemas.GetProperty("VersionMismatchProblem").GetProperty("allOf");
        Assert.Equal("#/components/schemas/ProblemDetails", mismatch[0].GetProperty("$ref").GetString());
        Assert.Equal("#/components/schemas/Submission", mismatch[1].GetProperty("properties").GetProperty("current").GetProperty("$ref").GetString());
    }

    private static void AssertDescribes(JsonElement schemas, string name, JsonElement body)
    {
        var properties = schemas.GetProperty(name).GetProperty("properties");
        foreach (var property in body.EnumerateObject())
        {
            Assert.True(properties.TryGetProperty(property.Name, out _), $"{name} has no '{property.Name}' (the wire has it)");
        }

        Assert.Equal(body.EnumerateObject().Count(), properties.EnumerateObject().Count());
    }

}
